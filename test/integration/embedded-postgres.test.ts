import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { generatePostgresPassword, startEmbeddedPostgres } from '../../src/local/embedded-postgres';
import { createLogger } from '../../src/logger';

/** What a local process that knows only the password tries: log in as the superuser. */
async function logsIn(url: string, password: string): Promise<boolean | string> {
  const target = new URL(url);
  target.password = encodeURIComponent(password);
  target.pathname = '/postgres';
  const sql = postgres(target.toString(), { max: 1, onnotice: () => undefined });
  try {
    await sql`select 1`;
    return true;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

const modeOf = async (dir: string) => (await stat(dir)).mode & 0o777;

describe('embedded Postgres (local mode)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  /** A data folder inside a private (0700) folder, like a clone in a `mktemp -d` directory. */
  async function privateDataDir(): Promise<{ parent: string; dataDir: string }> {
    const parent = await mkdtemp(path.join(os.tmpdir(), 'metric-importer-embedded-'));
    dirs.push(parent);
    await chmod(parent, 0o700);
    return { parent, dataDir: path.join(parent, 'postgres') };
  }

  function capturingLogger() {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    return { logger: createLogger({ level: 'info', destination }), logs: () => lines.join('') };
  }

  it('a new cluster takes only its generated password, never "postgres"; as root the traverse bit it needed is taken back on stop', async () => {
    const { parent, dataDir } = await privateDataDir();
    const password = generatePostgresPassword();
    const server = await startEmbeddedPostgres({ dataDir, database: 'app', password, logger: capturingLogger().logger });
    try {
      expect(await logsIn(server.url, password)).toBe(true);
      expect(await logsIn(server.url, 'postgres')).toBe('28P01');
      // Only root needs to open the folder for the postgres user; any other user never changes it.
      expect(await modeOf(parent)).toBe(process.getuid?.() === 0 ? 0o701 : 0o700);
    } finally {
      await server.stop();
    }
    expect(await modeOf(parent)).toBe(0o700);
  });

  it('a cluster still on the old default password "postgres" is moved to the kept password on start', async () => {
    const { dataDir } = await privateDataDir();
    const first = await startEmbeddedPostgres({ dataDir, database: 'app', password: generatePostgresPassword(), logger: capturingLogger().logger });
    const sql = postgres(first.url, { max: 1 });
    await sql.unsafe("alter role postgres password 'postgres'"); // the state data folders created before this change are in
    await sql.end();
    await first.stop();

    const kept = generatePostgresPassword();
    const { logger, logs } = capturingLogger();
    const second = await startEmbeddedPostgres({ dataDir, database: 'app', password: kept, logger });
    try {
      expect(await logsIn(second.url, 'postgres')).toBe('28P01');
      expect(await logsIn(second.url, kept)).toBe(true);
      expect(logs()).toContain('still had the old default password');
      expect(logs()).not.toContain(kept);
    } finally {
      await second.stop();
    }
  });

  it('refuses to start with a password it does not know, naming where the password is kept', async () => {
    const { dataDir } = await privateDataDir();
    const first = await startEmbeddedPostgres({ dataDir, database: 'app', password: generatePostgresPassword(), logger: capturingLogger().logger });
    await first.stop();
    await expect(startEmbeddedPostgres({ dataDir, database: 'app', password: generatePostgresPassword(), logger: capturingLogger().logger })).rejects.toThrow(
      /rejects the password kept in local-secrets\.json/,
    );
  });
});
