import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { runMigrations } from '../src/db/migrate';
import { generatePostgresPassword, startEmbeddedPostgres } from '../src/local/embedded-postgres';
import { silentLogger } from '../src/logger';
import { createTestDatabase } from '../test/helpers/test-database';
import type { Cleanup } from './cleanup';
import { note, step } from './progress';

export interface BenchDatabase {
  /** The throw-away database, migrated. */
  url: string;
  /** Where the server came from, for the report. */
  source: string;
  /** Server version and the settings that move write figures most. */
  settings: string;
}

/** The only host the bench connects to. */
const allowedHost = '127.0.0.1';

/**
 * A migrated throw-away database: on the server in BENCH_DATABASE_URL when given (it must be on
 * 127.0.0.1), otherwise on an embedded Postgres started in a temp dir. Both are removed by `cleanup`.
 */
export async function provisionDatabase(cleanup: Cleanup, givenServerUrl: string | undefined): Promise<BenchDatabase> {
  let serverUrl: string;
  let source: string;
  if (givenServerUrl) {
    serverUrl = givenServerUrl;
    source = 'BENCH_DATABASE_URL';
    note(`using the Postgres server in BENCH_DATABASE_URL (${allowedHost}:${new URL(serverUrl).port || 5432})`);
  } else {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'metric-importer-bench-pg-'));
    cleanup.add(`remove ${dataDir}`, () => rm(dataDir, { recursive: true, force: true }));
    const server = await step(`starting embedded Postgres in ${dataDir} (initdb takes a while)`, () =>
      startEmbeddedPostgres({ dataDir, database: 'postgres', password: generatePostgresPassword(), logger: silentLogger, handlesSignals: true }),
    );
    cleanup.add('stop embedded Postgres', () => server.stop());
    serverUrl = server.url;
    source = 'embedded-postgres in a temp dir';
  }

  const database = await step('creating a throw-away database', () => createTestDatabase(serverUrl));
  cleanup.add('drop the throw-away database', () => database.drop());
  await step('applying migrations', () => runMigrations(database.url));
  return { url: database.url, source, settings: await serverSettings(database.url) };
}

/** BENCH_DATABASE_URL, checked before anything runs: a postgres:// URL on 127.0.0.1. */
export function checkedServerUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('BENCH_DATABASE_URL is not a URL (expected postgres://user:password@127.0.0.1:5432/postgres).');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Error(`BENCH_DATABASE_URL must be a postgres:// URL, not ${url.protocol}//…`);
  }
  if (url.hostname !== allowedHost) {
    throw new Error(`BENCH_DATABASE_URL must point at ${allowedHost} (the bench only connects locally), not "${url.hostname}".`);
  }
  if (url.searchParams.has('host')) {
    throw new Error('BENCH_DATABASE_URL must not carry a "host" query parameter.');
  }
  return url.toString();
}

async function serverSettings(url: string): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    const rows = await sql<{ name: string; setting: string }[]>`
      select name, current_setting(name) as setting from unnest(array['server_version', 'fsync', 'synchronous_commit', 'shared_buffers']) as name`;
    return rows.map((row) => (row.name === 'server_version' ? `PostgreSQL ${row.setting.split(' ')[0]}` : `${row.name}=${row.setting}`)).join(', ');
  } finally {
    await sql.end({ timeout: 5 });
  }
}
