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

export interface PoolOptions {
  max?: number;
  /** Longest a statement may run before Postgres cancels it (0 = no limit). */
  statementTimeoutMs?: number;
  /** Longest a connection may sit idle inside a transaction before Postgres ends the session (0 = no limit). */
  idleInTransactionTimeoutMs?: number;
}

export const poolDefaults = { max: 10, statementTimeoutMs: 120_000, idleInTransactionTimeoutMs: 60_000 } as const;

/**
 * One pool per process; `max` stays small because workers and the API each hold their own. Every
 * API request needs a connection, so no code path may hold one for long: the server-side timeouts
 * bound what a bug or a stuck caller can pin (docs/security.md, "Token store and database pool").
 */
export function createDatabase(url: string, options: PoolOptions = {}): Database {
  const settings = { ...poolDefaults, ...options };
  const sql = postgres(url, {
    max: settings.max,
    onnotice: () => undefined,
    connection: {
      application_name: 'metric-importer',
      statement_timeout: settings.statementTimeoutMs,
      idle_in_transaction_session_timeout: settings.idleInTransactionTimeoutMs,
    },
  });
  return { db: createDrizzle(sql), sql, close: () => sql.end({ timeout: 5 }) };
}
