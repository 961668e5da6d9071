import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, type Database } from '../../../src/db/client';
import { startTcpGate, type TcpGate } from '../../helpers/tcp-gate';

/**
 * Postgres going away under a held connection (a restart, a failover, a proxy dropping sockets).
 * postgres.js 3.4.9 wrote to the dropped socket from a setImmediate and crashed the whole process
 * (upstream issues 1154 and 1208); patches/postgres+3.4.9.patch settles the statement instead.
 */
describe('a database connection lost under a held connection', () => {
  let gate: TcpGate;
  let database: Database;

  beforeAll(async () => {
    const url = new URL(inject('databaseUrl'));
    gate = await startTcpGate(`${url.hostname}:${url.port}`);
    const [host, port] = gate.address.split(':') as [string, string];
    url.hostname = host;
    url.port = port;
    database = createDatabase(url.toString(), { max: 2 });
  });
  afterAll(async () => {
    await database?.close();
    await gate?.close();
  });

  it('rejects the next statement with CONNECTION_CLOSED and keeps the process and the pool alive', async () => {
    const reserved = await database.sql.reserve();
    expect(await reserved`select 1 as one`).toEqual([{ one: 1 }]);

    gate.cut();
    await waitForClose();

    const failure: unknown = await reserved`select 2 as two`.then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 'CONNECTION_CLOSED' });
    reserved.release();
    // The pool opens a fresh connection through the gate, which lets new connections pass.
    expect(await database.sql`select 3 as three`).toEqual([{ three: 3 }]);
  });

  it('fails a transaction cut mid-way and runs the next one', async () => {
    const cutMidway = database.sql.begin(async (tx) => {
      await tx`select 1`;
      gate.cut();
      await waitForClose();
      await tx`select 2`;
    });
    const failure = await cutMidway.then(
      () => null,
      (error: { code?: string }) => error,
    );
    expect(['CONNECTION_CLOSED', 'CONNECTION_DESTROYED']).toContain(failure?.code);
    expect(await database.sql.begin((tx) => tx`select 4 as four`)).toEqual([{ four: 4 }]);
  });
});

// The socket's close event arrives on a later turn of the event loop than the cut.
function waitForClose() {
  return new Promise((resolve) => setTimeout(resolve, 100));
}
