import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lookerTokens } from '../../../src/db/schema';
import { loadSeed, startLookerEmulator, type LookerEmulator } from '../../../src/looker-emulator';
import { createLookerDbFixture, type LookerDbFixture } from '../../helpers/looker-integration';

const credentials = { clientId: 'shared-token-client', clientSecret: 'shared-token-secret-7f3a9c' };
const burstScript = fileURLToPath(new URL('../../helpers/looker-run-burst.ts', import.meta.url));
const runsPerProcess = 25;

interface BurstReport {
  burst: number;
  ok: number;
  errors: string[];
}

/** A separate Node process (tsx) holding its own Postgres pool and Looker client factory. */
class WorkerProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly pending: ((message: Record<string, unknown>) => void)[] = [];
  private readonly stderr: string[] = [];

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, ['--import', 'tsx', burstScript], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stderr.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()));
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => this.pending.shift()?.(JSON.parse(line) as Record<string, unknown>));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The next message the process prints (rejects if it exits first, with its stderr). */
  next<T>(): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`worker process exited (${code}): ${this.stderr.join('')}`));
      this.child.once('exit', onExit);
      this.pending.push((message) => {
        this.child.off('exit', onExit);
        resolve(message as T);
      });
    });
  }

  go(): Promise<BurstReport> {
    const report = this.next<BurstReport>();
    this.child.stdin.write('go\n');
    return report;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end('exit\n');
    await exited;
  }
}

/**
 * Design §2/§4: the token lives once per integration in Postgres, so concurrent runs in several
 * worker processes cost one login. Two real OS processes each fire 25 concurrent Look runs on
 * the same integration (each run building its client as the runLook activity does); the
 * emulator counts the logins.
 */
describe('shared Looker token across worker processes', () => {
  let emulator: LookerEmulator;
  let fixture: LookerDbFixture;
  let integrationId: string;
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    emulator = await startLookerEmulator({ ...credentials, seed: loadSeed('test') });
    fixture = await createLookerDbFixture(inject('databaseUrl'));
    integrationId = await fixture.createIntegration({ apiEndpoint: emulator.apiUrl, ...credentials });
    const env = {
      DATABASE_URL: inject('databaseUrl'),
      ENCRYPTION_KEYS: fixture.encryptionKeys,
      INTEGRATION_ID: integrationId,
      LOOK_ID: '2',
      RUNS: String(runsPerProcess),
      LOOKER_ALLOWED_HOSTS: `127.0.0.1:${emulator.port}`,
    };
    workers = [new WorkerProcess(env), new WorkerProcess(env)];
    await Promise.all(workers.map((worker) => worker.next<{ ready: boolean }>()));
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await emulator?.close();
    await fixture?.close();
  });

  it('50 concurrent Look runs on one integration, across two worker processes, cost one login', async () => {
    expect(new Set(workers.map((worker) => worker.pid)).size).toBe(2);
    emulator.control.resetCounters();
    // A slow login keeps the race open: every run of both processes finds no token and wants one.
    const slowLogin = emulator.control.addFault({ type: 'latency', ms: 300, match: { path: '/login' } });

    const reports = await Promise.all(workers.map((worker) => worker.go()));

    expect(reports).toEqual([
      { burst: 1, ok: runsPerProcess, errors: [] },
      { burst: 1, ok: runsPerProcess, errors: [] },
    ]);
    const counters = emulator.control.counters();
    expect(counters.logins).toBe(1);
    expect(counters.failedLogins).toBe(0);
    expect(counters.runs).toEqual({ '2': 50 });
    expect(counters.requests['GET /looks/:look_id/run/:result_format']).toBe(50); // no 401s, no retries
    emulator.control.removeFault(slowLogin.id);

    const rows = await fixture.database.db.select().from(lookerTokens).where(eq(lookerTokens.integrationId, integrationId));
    expect(rows).toHaveLength(1);
  });

  it('when Looker expires the token, the next 50 runs in both processes cost exactly one re-login', async () => {
    emulator.control.resetCounters();
    expect(emulator.control.expireTokens()).toBe(1);

    const reports = await Promise.all(workers.map((worker) => worker.go()));

    expect(reports.map((report) => report.errors)).toEqual([[], []]);
    expect(reports.map((report) => report.ok)).toEqual([runsPerProcess, runsPerProcess]);
    const counters = emulator.control.counters();
    expect(counters.logins).toBe(1);
    expect(counters.runs).toEqual({ '2': 50 });
    // Runs that started with the expired token met one 401 and retried once with the new token;
    // runs that started after the re-login used the new token directly. None retried twice.
    const runRequests = counters.requests['GET /looks/:look_id/run/:result_format'] ?? 0;
    expect(runRequests).toBeGreaterThan(50);
    expect(runRequests).toBeLessThanOrEqual(100);
  });
});
