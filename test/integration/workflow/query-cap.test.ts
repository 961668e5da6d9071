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
import { createIntegration, createMetric, eventuallyStatus, importRuns, testLogger, type CreatedMetric } from './workflow-helpers';

const lookCount = 30;
const lookIds = Array.from({ length: lookCount }, (_, i) => String(101 + i));

/** The test seed plus 30 copies of its monthly revenue Look (ids 101…130), in a temporary file. */
function seedWithManyLooks(): string {
  const seed = JSON.parse(readFileSync(fileURLToPath(new URL('../../../src/looker-emulator/seeds/test.json', import.meta.url)), 'utf8')) as {
    looks: { id: string; title: string }[];
  };
  const monthly = seed.looks.find((look) => look.id === '3')!;
  seed.looks.push(...lookIds.map((id) => ({ ...monthly, id, title: `Monthly revenue ${id}` })));
  const file = path.join(tmpdir(), `query-cap-seed-${randomUUID()}.json`);
  writeFileSync(file, JSON.stringify(seed));
  return file;
}

const monthlyMetric = (lookId: string) => ({ lookId, dateField: 'orders.created_month', valueField: 'orders.total_revenue' });

/**
 * The per-integration cap on concurrent Looker queries holds across worker processes (real OS
 * processes on a real Temporal dev server, the emulator counting the queries in flight), waiting
 * for a slot costs no attempt, and a killed worker's slot frees itself when its lease expires.
 */
describe('the Looker query cap per integration', () => {
  let stack: TestStack;
  let seedFile: string;
  const children: ChildProcess[] = [];
  const encryptionKeys = `test:${generateEncryptionKey()}`;
  const taskQueue = `query-cap-${randomUUID()}`;

  beforeAll(async () => {
    seedFile = seedWithManyLooks();
    stack = await startTestStack({ seed: seedFile, taskQueue, startWorker: false, encryptionKeys, logger: testLogger() });
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await stack?.stop();
    rmSync(seedFile, { force: true });
  });

  async function startWorker(env: Record<string, string> = {}): Promise<ChildProcess> {
    const child = await startWorkerProcess(stack, { encryptionKeys, taskQueue, env });
    children.push(child);
    return child;
  }

  async function stopWorkerProcesses(): Promise<void> {
    for (const child of children.splice(0)) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  }

  async function integrationWithCap(cap: number): Promise<string> {
    const integrationId = await createIntegration(stack);
    const capped = await stack.http<{ maxConcurrentQueries: number }>('PATCH', `/v1/integrations/${integrationId}`, { maxConcurrentQueries: cap });
    expect(capped.body.maxConcurrentQueries).toBe(cap);
    return integrationId;
  }

  /** Attempt numbers of every runLook the metric's workflow history records. */
  async function runLookAttempts(metric: CreatedMetric): Promise<number[]> {
    const history = await stack.client.workflow.getHandle(metricWorkflowId(metric.id)).fetchHistory();
    const events = history.events ?? [];
    const runLookIds = new Set(
      events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'runLook').map((event) => String(event.eventId)),
    );
    return events
      .filter((event) => runLookIds.has(String(event.activityTaskStartedEventAttributes?.scheduledEventId)))
      .map((event) => event.activityTaskStartedEventAttributes!.attempt ?? 0);
  }

  it('30 metrics on 30 Looks, a cap of 4, three worker processes: never more than 4 queries at once, and waiting costs no attempt', async () => {
    const integrationId = await integrationWithCap(4);
    await Promise.all([startWorker(), startWorker(), startWorker()]);
    // Every query lasts long enough that 30 imports started together pile up behind the cap.
    const latency = stack.emulator.control.addFault({ type: 'latency', ms: 400, match: { route: '/looks/:look_id/run/:result_format' } });
    stack.emulator.control.resetCounters();
    try {
      const metrics = await Promise.all(lookIds.map((lookId) => createMetric(stack, integrationId, monthlyMetric(lookId))));
      for (const metric of metrics) {
        const done = await eventuallyStatus(stack, metric.id, (s) => s.lastImport !== null, { timeoutMs: 180_000 });
        expect(done.lastImport).toMatchObject({ kind: 'backfill', succeeded: true });
      }
      const counters = stack.emulator.control.counters();
      // The field checks of the creates and the 30 Look runs, all inside the cap, which they reached.
      expect(counters.peakRunsInFlight).toBe(4);
      for (const lookId of lookIds) {
        expect(counters.requestsByPath[`GET /looks/${lookId}/run/json`], `Look ${lookId}`).toBe(1);
        expect(counters.requestsByPath[`GET /looks/${lookId}/run/json_detail`], `Look ${lookId}`).toBe(1);
      }
      for (const metric of metrics) {
        expect(await runLookAttempts(metric)).toEqual([1]);
        expect((await importRuns(stack, metric.id)).map((run) => [run.kind, run.status, run.error])).toEqual([['backfill', 'succeeded', null]]);
      }
      // Every slot was handed back.
      const [slots] = await stack.services.database.db.execute<{ n: number }>(sql`select count(*)::int as n from looker_query_slots where integration_id = ${integrationId}`);
      expect(slots!.n).toBe(0);
      for (const metric of metrics) await stack.gateway.terminate(metric.id, 'test done');
    } finally {
      stack.emulator.control.removeFault(latency.id);
      await stopWorkerProcesses();
    }
  }, 240_000);

  it("a killed worker's slot frees itself when its lease expires: the next query of the integration runs", async () => {
    const integrationId = await integrationWithCap(1);
    const slots = async () => {
      const [row] = await stack.services.database.db.execute<{ n: number }>(sql`select count(*)::int as n from looker_query_slots where integration_id = ${integrationId}`);
      return row!.n;
    };
    // The worker process holds its slot with a short lease, so the test need not wait the default 20 s.
    const doomed = await startWorker({ LOOKER_LEASE_SECONDS: '3' });
    const hang = stack.emulator.control.addFault({ type: 'hang', match: { path: `/looks/${lookIds[0]}/run/json` } });
    stack.emulator.control.resetCounters();
    let worker: Awaited<ReturnType<TestStack['startWorker']>> | undefined;
    try {
      const stuck = await createMetric(stack, integrationId, monthlyMetric(lookIds[0]!));
      await eventually(() => Promise.resolve(stack.emulator.control.counters().runsInFlight === 1 ? true : undefined));
      expect(await slots()).toBe(1);

      const exited = new Promise((resolve) => doomed.once('exit', resolve));
      doomed.kill('SIGKILL');
      await exited;

      // The only slot is still leased to the dead worker; the next query waits for the lease to
      // expire instead of failing, then runs: first the field check of this create, then its import.
      worker = await stack.startWorker();
      const next = await createMetric(stack, integrationId, monthlyMetric(lookIds[1]!));
      const done = await eventuallyStatus(stack, next.id, (s) => s.lastImport !== null, { timeoutMs: 60_000 });
      expect(done.lastImport).toMatchObject({ kind: 'backfill', succeeded: true });
      expect(await runLookAttempts(next)).toEqual([1]);
      expect(stack.emulator.control.counters().peakRunsInFlight).toBe(1);
      for (const metric of [stuck, next]) await stack.gateway.terminate(metric.id, 'test done');
    } finally {
      stack.emulator.control.removeFault(hang.id);
      await worker?.stop();
      await stopWorkerProcesses();
    }
  }, 120_000);

  it('a person waiting on the API is told the slots are busy, not left hanging, while imports hold every slot', async () => {
    const integrationId = await integrationWithCap(1);
    // A worker process, whose Look runs time out after 300 s: the stuck import outlasts the wait.
    await startWorker();
    const hang = stack.emulator.control.addFault({ type: 'hang', match: { path: `/looks/${lookIds[2]}/run/json` } });
    try {
      const stuck = await createMetric(stack, integrationId, monthlyMetric(lookIds[2]!));
      await eventually(() => Promise.resolve(stack.emulator.control.counters().runsInFlight === 1 ? true : undefined));
      const before = stack.emulator.control.counters().requestsByPath[`GET /looks/${lookIds[3]}/run/json`] ?? 0;
      const preview = await stack.http<{ code: string; detail: string }>('POST', `/v1/integrations/${integrationId}/looks/${lookIds[3]}/preview`, {
        dateField: 'orders.created_month',
        valueField: 'orders.total_revenue',
      });
      expect(preview.status).toBe(503);
      expect(preview.body.code).toBe('upstream_unavailable');
      expect(preview.body.detail).toMatch(/query slot of this integration stayed busy .* raise maxConcurrentQueries/);
      // Nothing ran beside the import that holds the slot.
      expect(stack.emulator.control.counters().requestsByPath[`GET /looks/${lookIds[3]}/run/json`] ?? 0).toBe(before);
      expect(stack.emulator.control.counters().runsInFlight).toBe(1);
      await stack.gateway.terminate(stuck.id, 'test done');
    } finally {
      stack.emulator.control.removeFault(hang.id);
      await stopWorkerProcesses();
    }
  }, 120_000);
});
