import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEncryptionKey } from '../../../src/crypto/secret-box';
import { metricWorkflowId } from '../../../src/shared/ids';
import { eventually } from '../../helpers/eventually';
import { startTestStack, type TestStack } from '../../helpers/test-stack';
import { startWorkerProcess } from './worker-processes';
import { createIntegration, createMetric, datapoints, lookRows, testLogger, type CreatedMetric, type MetricInput } from './workflow-helpers';

/** A daily, a weekly and a monthly Look of the test seed, ten copies each (ids 201…230). */
const sources = [
  { from: '1', dateField: 'orders.created_date', valueField: 'orders.total_revenue' },
  { from: '2', dateField: 'orders.created_week', valueField: 'orders.count' },
  { from: '3', dateField: 'orders.created_month', valueField: 'orders.total_revenue' },
];
const copiesPerSource = 10;
const looks = sources.flatMap((source, s) =>
  Array.from({ length: copiesPerSource }, (_, i) => ({ ...source, lookId: String(201 + s * copiesPerSource + i) })),
);
const metricCount = 300;
const createClients = 8;

function seedWithLookCopies(): string {
  const seed = JSON.parse(readFileSync(fileURLToPath(new URL('../../../src/looker-emulator/seeds/test.json', import.meta.url)), 'utf8')) as {
    looks: { id: string; title: string }[];
  };
  for (const look of looks) {
    const original = seed.looks.find((candidate) => candidate.id === look.from)!;
    seed.looks.push({ ...original, id: look.lookId, title: `${original.title} ${look.lookId}` });
  }
  const file = path.join(tmpdir(), `horizontal-seed-${randomUUID()}.json`);
  writeFileSync(file, JSON.stringify(seed));
  return file;
}

/**
 * Horizontal scaling on a real Temporal dev server: three worker processes on one task queue
 * backfill 300 metrics; the histories show work done by each, and one of them killed without
 * warning half-way loses nothing: every metric ends with exactly its Look's rows.
 */
describe('three worker processes on one task queue', () => {
  let stack: TestStack;
  let seedFile: string;
  const workers: ChildProcess[] = [];
  const encryptionKeys = `test:${generateEncryptionKey()}`;
  const taskQueue = `horizontal-${randomUUID()}`;

  beforeAll(async () => {
    seedFile = seedWithLookCopies();
    stack = await startTestStack({ seed: seedFile, taskQueue, startWorker: false, encryptionKeys, logger: testLogger() });
  });
  afterAll(async () => {
    for (const child of workers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await stack?.stop();
    rmSync(seedFile, { force: true });
  });

  /** Metrics of the test's workspace that have left `backfilling`. */
  async function settledCount(): Promise<number> {
    const [row] = await stack.services.database.db.execute<{ n: number }>(
      sql`select count(*)::int as n from metrics where workspace_id = ${stack.workspaceId} and state <> 'backfilling'`,
    );
    return row!.n;
  }

  /** Identities of the workers that started a workflow or activity task of the metric's history. */
  async function identitiesIn(metric: CreatedMetric): Promise<Set<string>> {
    const history = await stack.client.workflow.getHandle(metricWorkflowId(metric.id)).fetchHistory();
    const identities = new Set<string>();
    for (const event of history.events ?? []) {
      const identity = event.activityTaskStartedEventAttributes?.identity ?? event.workflowTaskStartedEventAttributes?.identity;
      if (identity) identities.add(identity);
    }
    return identities;
  }

  it('backfills 300 metrics on all three, and SIGKILL of one half-way loses nothing', async () => {
    const integrationId = await createIntegration(stack);
    workers.push(...(await Promise.all([0, 1, 2].map(() => startWorkerProcess(stack, { encryptionKeys, taskQueue })))));
    const pids = workers.map((child) => child.pid!);
    // Each Look run takes a while, so the backfill is still in flight when a worker dies.
    const latency = stack.emulator.control.addFault({ type: 'latency', ms: 150, match: { route: '/looks/:look_id/run/:result_format' } });

    const created: (CreatedMetric & { look: (typeof looks)[number] })[] = [];
    let next = 0;
    const createOne = async (): Promise<void> => {
      while (next < metricCount) {
        const look = looks[next % looks.length]!;
        next += 1;
        const input: MetricInput = { lookId: look.lookId, dateField: look.dateField, valueField: look.valueField };
        created.push({ ...(await createMetric(stack, integrationId, input)), look });
      }
    };
    const creating = Promise.all(Array.from({ length: createClients }, createOne));

    // Half-way through, the first worker dies without a word: no shutdown, no task handed back.
    const victim = workers[0]!;
    await eventually(async () => ((await settledCount()) >= metricCount / 3 ? true : undefined), { timeoutMs: 240_000 });
    const killed = new Promise((resolve) => victim.once('exit', resolve));
    victim.kill('SIGKILL');
    await killed;
    await creating;
    stack.emulator.control.removeFault(latency.id);
    expect(created).toHaveLength(metricCount);

    await eventually(async () => ((await settledCount()) === metricCount ? true : undefined), { timeoutMs: 300_000, intervalMs: 1_000 });

    // Nothing lost, nothing doubled: every metric holds exactly its Look's rows.
    const expected = new Map<string, Map<string, number>>();
    for (const look of looks) {
      const rows = await lookRows(stack, look.lookId);
      // A month ('2024-06') is stored as its first day.
      const day = (cell: unknown) => (/^\d{4}-\d{2}$/.test(String(cell)) ? `${String(cell)}-01` : String(cell));
      expected.set(look.lookId, new Map(rows.map((row) => [day(row[look.dateField]), Number(row[look.valueField])])));
    }
    for (const metric of created) {
      const want = expected.get(metric.look.lookId)!;
      const stored = await datapoints(stack, metric.id);
      expect([...stored.keys()], `metric on Look ${metric.look.lookId}`).toEqual([...want.keys()].sort());
      for (const [date, value] of stored) expect(Number(value)).toBeCloseTo(want.get(date)!, 6);
    }
    const states = await stack.services.database.db.execute<{ state: string; n: number }>(
      sql`select state, count(*)::int as n from metrics where workspace_id = ${stack.workspaceId} group by state`,
    );
    expect(states.map((row) => [row.state, row.n])).toEqual([['active', metricCount]]);
    const runs = await stack.services.database.db.execute<{ kind: string; status: string; n: number }>(
      sql`select r.kind, r.status, count(*)::int as n from import_runs r join metrics m on m.id = r.metric_id
          where m.workspace_id = ${stack.workspaceId} group by r.kind, r.status`,
    );
    expect(runs.map((row) => [row.kind, row.status, row.n])).toEqual([['backfill', 'succeeded', metricCount]]);

    // Work landed on all three processes (the SDK's default identity is `<pid>@<host>`).
    const seen = new Set<string>();
    for (const metric of created) for (const identity of await identitiesIn(metric)) seen.add(identity.split('@')[0]!);
    for (const pid of pids) expect(seen, `worker process ${pid}`).toContain(String(pid));

    for (const metric of created) await stack.gateway.terminate(metric.id, 'test done');
  }, 600_000);
});
