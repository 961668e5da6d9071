import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema';

export type Db = ReturnType<typeof createDrizzle>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

function createDrizzle(client: postgres.Sql) {
  return drizzle({ client, schema });
}

export interface Database {
  db: Db;
  sql: postgres.Sql;
  close(): Promise<void>;
}

/** One pool per process; `max` stays small because workers and the API each hold their own. */
export function createDatabase(url: string, options: { max?: number } = {}): Database {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => undefined,
    connection: { application_name: 'metric-importer' },
  });
  return { db: createDrizzle(sql), sql, close: () => sql.end({ timeout: 5 }) };
}
