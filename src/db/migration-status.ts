import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type postgres from 'postgres';
import { migrationsFolder } from './migrate';

export type MigrationState = 'current' | 'behind' | 'ahead';

/** The newest migration this build ships: drizzle records each applied one by its journal `when`. */
export function expectedMigration(folder = migrationsFolder): { tag: string; when: number } {
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string; when: number }[] };
  const last = journal.entries.at(-1);
  if (!last) throw new Error(`No migration in ${folder}/meta/_journal.json.`);
  return { tag: last.tag, when: last.when };
}

/**
 * Compares the database's newest applied migration with this build's: `behind` means the migrate
 * job has not run yet, `ahead` that a newer build migrated it (this process may not understand the
 * schema). Both make the process not ready.
 */
export async function migrationState(sql: postgres.Sql, expected: { when: number }): Promise<MigrationState> {
  const rows = await sql<{ applied: string | null }[]>`
    select max(created_at)::text as applied from drizzle.__drizzle_migrations`.catch((error: unknown) => {
    // No migrations table at all: nothing was ever migrated.
    if ((error as { code?: string }).code === '42P01' || (error as { code?: string }).code === '3F000') return [{ applied: null }];
    throw error;
  });
  const applied = rows[0]?.applied === null || rows[0]?.applied === undefined ? undefined : Number(rows[0].applied);
  if (applied === undefined || applied < expected.when) return 'behind';
  return applied > expected.when ? 'ahead' : 'current';
}
