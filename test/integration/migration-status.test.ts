import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectedMigration, migrationState } from '../../src/db/migration-status';
import { runMigrations } from '../../src/db/migrate';
import { createTestDatabase } from '../helpers/test-database';

/** /readyz refuses traffic until the migrate job has run, and after a newer build migrated. */
describe('migration state for readiness', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let sql: postgres.Sql;
  const expected = expectedMigration();

  beforeAll(async () => {
    const server = new URL(inject('databaseUrl'));
    server.pathname = '/postgres';
    database = await createTestDatabase(server.toString());
    sql = postgres(database.url, { max: 1, onnotice: () => undefined });
  });
  afterAll(async () => {
    await sql?.end();
    await database?.drop();
  });

  it('is behind on a database never migrated, current after the migrations, ahead after a newer build migrated', async () => {
    expect(expected.tag).toMatch(/^\d{4}_/);
    expect(await migrationState(sql, expected)).toBe('behind');
    await runMigrations(database.url);
    expect(await migrationState(sql, expected)).toBe('current');
    expect(await migrationState(sql, { when: expected.when + 1 })).toBe('behind');
    await sql`insert into drizzle.__drizzle_migrations (hash, created_at) values ('from-a-newer-build', ${expected.when + 1000})`;
    expect(await migrationState(sql, expected)).toBe('ahead');
  });
});
