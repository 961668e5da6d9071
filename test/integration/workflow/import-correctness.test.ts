import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Row } from '../../../src/looker-emulator/types';
import { eq } from 'drizzle-orm';
import { toApplicationFailure } from '../../../src/activities/failures';
import { createSecretBox, generateEncryptionKey } from '../../../src/crypto/secret-box';
import { integrations } from '../../../src/db/schema';
import { clientSecretAad } from '../../../src/looker/client-factory';
import { stageDatapoints } from '../../../src/activities/staging';
import { activitiesFor } from '../../../src/runtime/services';
import { metricWorkflowId } from '../../../src/shared/ids';
import { importNow } from '../../../src/shared/messages';
import { eventually } from '../../helpers/eventually';
import { importTimeAhead } from '../../helpers/test-clock';
import type { TestStack } from '../../helpers/test-stack';
import {
  createIntegration,
  createMetric,
  datapoints,
  eventuallyStatus,
  importRuns,
  lookRows,
  metricRow,
  startTimeSkippingStack,
  stopTimeSkippingStack,
  status,
} from './workflow-helpers';

const look1Run = '/looks/1/run/json';
/** For tests that live through 6-hour retry windows: ~40 Look runs per failed import, slower on a busy machine. */
const manyRetriesTimeoutMs = 180_000;

/** 'HH:MM' of an instant on the UTC wall clock. */
/**
 * Issue 13: the import-correctness defects, on the time-skipping server with the emulator's faults.
 * Every import time is chosen relative to the test server's clock, so the file passes at any hour.
 */
describe('import correctness', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  let integrationId: string;

  beforeAll(async () => {
    ({ env, stack } = await startTimeSkippingStack());
    integrationId = await createIntegration(stack);
  });
  afterEach(() => {
    stack.emulator.control.reset();
  });
  afterAll(() => stopTimeSkippingStack({ env, stack }));

  /** A metric on Look 1 whose import time is twelve hours from the server's now: no import time interferes. */
  async function activeMetric(integration = integrationId) {
    const importTime = importTimeAhead(await env.currentTimeMs(), 'UTC');
    const metric = await createMetric(stack, integration, { importTime, timeZone: 'UTC' });
    await eventuallyStatus(stack, metric.id, (s) => s.state === 'active');
    return metric;
  }

  /** Rows staged under any import run of the metric. */
  async function stagedRows(metricId: string): Promise<number> {
    const [row] = await stack.services.database.sql<{ count: number }[]>`
      select count(*)::int as count from staged_datapoints s join import_runs r on r.id = s.import_run_id where r.metric_id = ${metricId}`;
    return row?.count ?? 0;
  }

  const faultHits = (id: string) => stack.emulator.control.listFaults().find((fault) => fault.id === id)?.hits ?? 0;

  describe('replace (finding 2)', () => {
    it('keeps the old datapoints and the replacement owed when a config change imports an empty Look, and says why', async () => {
      const metric = await activeMetric();
      const before = await datapoints(stack, metric.id);
      stack.emulator.control.setLookRows('13', []);

      await stack.gateway.updateSourceConfig(metric.id, { lookId: '13', valueField: 'orders.count' });
      const after = await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.kind === 'config_change');
      expect(after.state).toBe('needs_attention');
      expect(after.lastError).toMatch(/Look 13 returned no usable rows/);
      expect(after.lastImport?.succeeded).toBe(false);
      const run = (await importRuns(stack, metric.id)).at(-1)!;
      expect([run.kind, run.status, run.deleted]).toEqual(['config_change', 'failed', 0]);
      expect(run.error).toBe(after.lastError);
      expect(await datapoints(stack, metric.id)).toEqual(before);

      // The Look gets rows: the next import, a manual one, still replaces the whole series.
      stack.emulator.control.reset();
      await stack.client.workflow.getHandle(metric.workflowId).signal(importNow);
      const fixed = await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.kind === 'manual');
      expect(fixed).toMatchObject({ state: 'active', lastError: null });
      const expected = await lookRows(stack, '13');
      const stored = await datapoints(stack, metric.id);
      expect([...stored.keys()].sort()).toEqual(expected.map((row) => String(row['orders.created_date'])).sort());
      await stack.gateway.terminate(metric.id, 'test done');
    });

    it('does not delete stored dates when most rows of a full import were unreadable, and replaces once the Look is whole', async () => {
      const metric = await activeMetric();
      const before = await datapoints(stack, metric.id);
      const look13 = await lookRows(stack, '13');
      // One usable row, the rest with values that are not numbers: the result says little about which dates exist.
      stack.emulator.control.setLookRows(
        '13',
        look13.map((row, index) => ({ ...(row as Row), 'orders.count': index === 0 ? (row['orders.count'] as number) : 'n/a' })),
      );

      await stack.gateway.updateSourceConfig(metric.id, { lookId: '13', valueField: 'orders.count' });
      const after = await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.kind === 'config_change');
      const run = (await importRuns(stack, metric.id)).at(-1)!;
      expect([run.kind, run.deleted]).toEqual(['config_change', 0]);
      const stored = await datapoints(stack, metric.id);
      for (const date of before.keys()) expect(stored.has(date)).toBe(true);
      expect(after.state).toBe('needs_attention');
      expect(after.lastError).toMatch(/skipped/);

      stack.emulator.control.reset();
      await stack.client.workflow.getHandle(metric.workflowId).signal(importNow);
      await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.kind === 'manual' && s.state === 'active');
      const replaced = await datapoints(stack, metric.id);
      expect([...replaced.keys()].sort()).toEqual(look13.map((row) => String(row['orders.created_date'])).sort());
      await stack.gateway.terminate(metric.id, 'test done');
    });
  });

  describe('source changes (finding 1)', () => {
    const toLook13 = { lookId: '13', valueField: 'orders.count' };
    const backToLook1 = { lookId: '1', valueField: 'orders.total_revenue' };

    it('reports a source change as applied when a retry finds that an earlier attempt committed it', async () => {
      const metric = await activeMetric();
      const activities = activitiesFor(stack.services);
      const applySourceConfig = (input: Parameters<typeof activities.applySourceConfig>[0]) => activities.applySourceConfig(input);
      const changeId = randomUUID();
      // Attempt 1 commits, but its result is lost (a timeout, a worker crash): the workflow retries.
      const first = await applySourceConfig({ metricId: metric.id, change: toLook13, changeId });
      const retried = await applySourceConfig({ metricId: metric.id, change: toLook13, changeId });
      expect(first).toEqual({ configVersion: 2, sourceChanged: true });
      expect(retried).toEqual({ configVersion: 2, sourceChanged: true });
      expect(await metricRow(stack, metric.id)).toMatchObject({ lookId: '13', configVersion: 2 });
      await stack.gateway.terminate(metric.id, 'test done');
    });

    it('never lets a late attempt of an older change overwrite a newer one (A → B → A)', async () => {
      const metric = await activeMetric();
      const activities = activitiesFor(stack.services);
      const applySourceConfig = (input: Parameters<typeof activities.applySourceConfig>[0]) => activities.applySourceConfig(input);
      const toB = randomUUID();
      // Attempt 1 of A → B waits on Looker past its timeout; attempt 2 commits B; then B → A.
      const slow = stack.emulator.control.addFault({ type: 'latency', ms: 3_000, count: 1, match: { path: '/looks/13/run/json_detail' } });
      const late = applySourceConfig({ metricId: metric.id, change: toLook13, changeId: toB }).then(
        (result) => result,
        (error: unknown) => error,
      );
      await eventually(() => Promise.resolve(faultHits(slow.id) === 1 ? true : undefined));
      await applySourceConfig({ metricId: metric.id, change: toLook13, changeId: toB });
      expect(await applySourceConfig({ metricId: metric.id, change: backToLook1, changeId: randomUUID() })).toEqual({
        configVersion: 3,
        sourceChanged: true,
      });

      expect(await late).toMatchObject({ type: 'SourceConfigConflict' });
      expect(await metricRow(stack, metric.id)).toMatchObject({ lookId: '1', valueField: 'orders.total_revenue', configVersion: 3 });
      await stack.gateway.terminate(metric.id, 'test done');
    });
  });

  describe('skipped import times (finding 3)', () => {
    it('runs an import time that passed during the creation backfill once, right after it', async () => {
      // The import time is the first whole minute at least 90 s from now; the backfill's Look run
      // fails four times first (10 + 20 + 40 + 80 s of backoff), so it ends after the import time.
      const now = await env.currentTimeMs();
      const due = Math.ceil((now + 90_000) / 60_000) * 60_000;
      const outage = stack.emulator.control.addFault({ type: 'error', status: 503, count: 4, match: { path: look1Run } });
      const metric = await createMetric(stack, integrationId, { importTime: importTimeAhead(due, 'UTC', 0), timeZone: 'UTC' });
      await env.sleep('10 minutes');
      expect(faultHits(outage.id)).toBe(4);

      await eventually(async () => {
        const runs = await importRuns(stack, metric.id);
        return runs.length === 2 && runs.every((run) => run.status !== 'running') ? runs : undefined;
      });
      const runs = await importRuns(stack, metric.id);
      expect(runs.map((run) => [run.kind, run.status])).toEqual([
        ['backfill', 'succeeded'],
        ['scheduled', 'succeeded'],
      ]);
      expect(runs[1]!.scheduledFor.getTime()).toBe(due);
      // And the next one is the following day's, not a second one for the same import time.
      expect(Date.parse((await status(stack, metric.id)).nextImportAt!)).toBe(due + 86_400_000);
      await stack.gateway.terminate(metric.id, 'test done');
    });

    it('runs an import time that passed during a manual import once, right after it', async () => {
      const now = await env.currentTimeMs();
      const due = Math.ceil((now + 90_000) / 60_000) * 60_000;
      const metric = await createMetric(stack, integrationId, { importTime: importTimeAhead(due, 'UTC', 0), timeZone: 'UTC' });
      await eventuallyStatus(stack, metric.id, (s) => s.state === 'active');
      const outage = stack.emulator.control.addFault({ type: 'error', status: 503, count: 4, match: { path: look1Run } });
      await stack.client.workflow.getHandle(metric.workflowId).signal(importNow);
      await eventually(() => Promise.resolve(faultHits(outage.id) >= 1 ? true : undefined));
      await env.sleep('10 minutes');

      const done = await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.kind === 'scheduled');
      expect(done.lastImport?.scheduledFor).toBe(new Date(due).toISOString());
      expect((await importRuns(stack, metric.id)).map((run) => [run.kind, run.status])).toEqual([
        ['backfill', 'succeeded'],
        ['manual', 'succeeded'],
        ['scheduled', 'succeeded'],
      ]);
      await stack.gateway.terminate(metric.id, 'test done');
    });
  });

  describe('failure classification (finding 6)', () => {
    it('needs attention at once, with what to fix, when the key of the stored client secret left ENCRYPTION_KEYS', async () => {
      // Its own integration: the other tests' keeps its secret.
      const metric = await activeMetric(await createIntegration(stack));
      // The secret as sealed under a key this worker no longer has (rotated out of ENCRYPTION_KEYS).
      const retired = createSecretBox({ current: { id: 'retired', key: Buffer.from(generateEncryptionKey(), 'base64') }, previous: [] });
      await stack.services.database.db
        .update(integrations)
        .set({ clientSecretSealed: retired.encrypt('test-client-secret-d41d8cd98f00b204', clientSecretAad(metric.integrationId)), secretKeyId: 'retired' })
        .where(eq(integrations.id, metric.integrationId));
      const runsBefore = stack.emulator.control.counters().runs['1'] ?? 0;

      await stack.client.workflow.getHandle(metric.workflowId).signal(importNow);
      const broken = await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.kind === 'manual');
      expect(broken.state).toBe('needs_attention');
      expect(broken.lastError).toMatch(/unknown key id retired.*Put the retired key back into ENCRYPTION_KEYS, or enter the client secret again/);
      expect(broken.lastError).not.toContain('d41d8cd98f00b204');
      expect(stack.emulator.control.counters().runs['1'] ?? 0).toBe(runsBefore);
      await stack.gateway.terminate(metric.id, 'test done');
    });

    it('does not retry a value Postgres rejects (SQLSTATE class 22), and keeps retrying connection trouble', async () => {
      const rejected = await stack.services.database.sql`select '0000-01-01'::date`.then(
        () => undefined,
        (error: unknown) => error,
      );
      const failure = toApplicationFailure(rejected);
      expect(failure).toMatchObject({ type: 'DatabaseRejectedData', nonRetryable: true });
      expect(failure.message).toMatch(/SQLSTATE 22008.*Check the Look's date and value fields/);
      const lost = Object.assign(new Error('terminating connection due to administrator command'), { name: 'PostgresError', code: '57P01' });
      expect(toApplicationFailure(lost)).toMatchObject({ type: 'DatabaseError', nonRetryable: false });
    });

    it('needs attention after three failed imports in a row, and is active again after the next success', async () => {
      const metric = await activeMetric();
      const first = await status(stack, metric.id);
      const due = Date.parse(first.nextImportAt!);
      const outage = stack.emulator.control.addFault({ type: 'error', status: 503, match: { path: look1Run } });
      const day = 86_400_000;

      // Each day's import outlives its 6 hours of retries; the first two keep the state.
      for (const [index, expected] of (['active', 'active', 'needs_attention'] as const).entries()) {
        await env.sleep(due + index * day + 7 * 3_600_000 - (await env.currentTimeMs()));
        const after = await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.scheduledFor === new Date(due + index * day).toISOString());
        expect([after.lastImport?.succeeded, after.state]).toEqual([false, expected]);
      }
      const broken = await status(stack, metric.id);
      expect(broken.lastError).toMatch(/^3 imports in a row failed; the last one with: Looker is unavailable/);
      expect(await metricRow(stack, metric.id)).toMatchObject({ state: 'needs_attention', lastError: broken.lastError });

      stack.emulator.control.removeFault(outage.id);
      await env.sleep(due + 3 * day + 3_600_000 - (await env.currentTimeMs()));
      const fixed = await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.scheduledFor === new Date(due + 3 * day).toISOString());
      expect(fixed).toMatchObject({ state: 'active', lastError: null });
      await stack.gateway.terminate(metric.id, 'test done');
    }, manyRetriesTimeoutMs);
  });

  describe('schedule the worker cannot compute (finding 7b)', () => {
    it('needs attention with what to fix, keeps answering messages, and recovers on a schedule change', async () => {
      const metric = await activeMetric();
      await stack.gateway.terminate(metric.id, 'restarted with a zone this worker does not know');
      // As if the API's ICU had accepted a zone the worker's does not.
      await stack.client.workflow.start('metricImportWorkflow', {
        taskQueue: stack.taskQueue,
        workflowId: metric.workflowId,
        args: [{ metricId: metric.id, schedule: { importTime: '06:00', timeZone: 'Mars/Olympus' } }],
      });

      const broken = await eventuallyStatus(stack, metric.id, (s) => s.state === 'needs_attention');
      expect(broken.lastError).toMatch(/cannot be computed for 06:00 in time zone "Mars\/Olympus".*Change the schedule/);
      expect(broken.nextImportAt).toBeNull();
      // The row follows the status as soon as the workflow's save lands.
      const row = await eventually(async () => {
        const current = await metricRow(stack, metric.id);
        return current.state === 'needs_attention' ? current : undefined;
      });
      expect(row).toMatchObject({ lastError: broken.lastError, nextImportAt: null });

      // The lock is free: pause and resume answer.
      expect(await stack.gateway.pause(metric.id)).toMatchObject({ state: 'paused' });
      await stack.gateway.resume(metric.id);

      const importTime = importTimeAhead(await env.currentTimeMs(), 'UTC');
      const { nextImportAt } = await stack.gateway.updateSchedule(metric.id, { importTime, timeZone: 'UTC' });
      expect(nextImportAt).not.toBeNull();
      const fixed = await eventuallyStatus(stack, metric.id, (s) => s.state === 'active');
      expect(fixed).toMatchObject({ lastError: null, nextImportAt });
      await stack.gateway.terminate(metric.id, 'test done');
    });
  });

  describe('schedule changes (finding 5)', () => {
    it('keeps both of two concurrent changes, one to the import time and one to the zone', async () => {
      const metric = await activeMetric();
      const importTime = importTimeAhead(await env.currentTimeMs(), 'UTC', 5);
      const [timeChange, zoneChange] = await Promise.all([
        stack.http('PATCH', `/v1/metrics/${metric.id}/schedule`, { importTime }),
        stack.http('PATCH', `/v1/metrics/${metric.id}/schedule`, { timeZone: 'America/Nuuk' }),
      ]);
      expect([timeChange.status, zoneChange.status]).toEqual([200, 200]);
      expect((await status(stack, metric.id)).schedule).toEqual({ importTime, timeZone: 'America/Nuuk' });
      expect(await metricRow(stack, metric.id)).toMatchObject({ importTime, timeZone: 'America/Nuuk' });
      await stack.gateway.terminate(metric.id, 'test done');
    });

    it('refuses an empty change in the workflow too, and still accepts a whole schedule (older callers)', async () => {
      const metric = await activeMetric();
      await expect(stack.gateway.updateSchedule(metric.id, {})).rejects.toMatchObject({
        message: expect.stringContaining('give importTime, timeZone or both') as unknown,
      });
      await stack.gateway.updateSchedule(metric.id, { importTime: '07:15', timeZone: 'Europe/Berlin' });
      expect((await status(stack, metric.id)).schedule).toEqual({ importTime: '07:15', timeZone: 'Europe/Berlin' });
      await stack.gateway.terminate(metric.id, 'test done');
    });
  });

  describe('cancellation and staged rows (finding 4)', () => {
    it('stages nothing for a run that was already merged (a late attempt)', async () => {
      const metric = await activeMetric();
      const [backfill] = await importRuns(stack, metric.id);
      expect(backfill?.status).toBe('succeeded');
      const staged = await stageDatapoints(stack.services.database.db, backfill!.id, [{ date: '2024-07-01', value: '1' }]);
      expect(await stagedRows(metric.id)).toBe(0);
      expect(staged).toBe(false);
      await stack.gateway.terminate(metric.id, 'test done');
    });

    it('closes a run its workflow abandoned and drops what it staged when the next import starts', async () => {
      const metric = await activeMetric();
      // A run left open with staged rows, as a workflow terminated or reset mid-import leaves it
      // (simulated through the activities: terminating a workflow while its activity runs stops
      // the time-skipping server from skipping time for the rest of the file).
      const activities = activitiesFor(stack.services);
      const abandoned = randomUUID();
      const now = new Date(await env.currentTimeMs()).toISOString();
      await activities.startImportRun({ importRunId: abandoned, metricId: metric.id, kind: 'manual', scheduledFor: now, metricState: 'active' });
      await stageDatapoints(stack.services.database.db, abandoned, [{ date: '2024-07-01', value: '1' }]);
      expect(await stagedRows(metric.id)).toBe(1);

      await stack.client.workflow.getHandle(metric.workflowId).signal(importNow);
      await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.kind === 'manual');
      expect(await stagedRows(metric.id)).toBe(0);
      const closed = (await importRuns(stack, metric.id)).find((run) => run.id === abandoned)!;
      expect([closed.status, closed.error]).toEqual(['failed', expect.stringMatching(/abandoned/)]);
      // And a late attempt of it stages nothing now.
      await stageDatapoints(stack.services.database.db, abandoned, [{ date: '2024-07-01', value: '1' }]);
      expect(await stagedRows(metric.id)).toBe(0);
      await stack.gateway.terminate(metric.id, 'test done');
    });
  });

  describe('stale runs', () => {
    it('needs attention when a config change fails for good, though the metric had imported before', async () => {
      const metric = await activeMetric();
      // Look 13's runs fail with 503 past the import's 6 hours of retries; its fields still answer.
      stack.emulator.control.addFault({ type: 'error', status: 503, match: { path: '/looks/13/run/json' } });
      await stack.gateway.updateSourceConfig(metric.id, { lookId: '13', valueField: 'orders.count' });
      await env.sleep('7 hours');
      const failed = await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.kind === 'config_change');
      expect(failed.lastImport?.succeeded).toBe(false);
      expect(failed.state).toBe('needs_attention');
      expect(failed.lastError).toMatch(/Looker is unavailable/);
      expect(await metricRow(stack, metric.id)).toMatchObject({ state: 'needs_attention' });
      await stack.gateway.terminate(metric.id, 'test done');
    }, manyRetriesTimeoutMs);

    it('records an import whose source changed under it as discarded, not succeeded', async () => {
      const metric = await activeMetric();
      const handle = stack.client.workflow.getHandle(metricWorkflowId(metric.id));
      // The manual run's Look run fails twice, so the source change lands while it is in flight.
      const outage = stack.emulator.control.addFault({ type: 'error', status: 503, count: 2, match: { path: look1Run } });
      await handle.signal(importNow);
      await eventually(() => Promise.resolve(faultHits(outage.id) >= 1 ? true : undefined));
      await stack.gateway.updateSourceConfig(metric.id, { lookId: '13', valueField: 'orders.count' });

      // Skip a minute per look: a retry timer scheduled late on a busy machine is skipped too,
      // instead of running out in real time.
      const done = await eventually(async () => {
        await env.sleep('1 minute');
        const current = await status(stack, metric.id);
        return !current.importing && current.lastImport?.kind === 'config_change' ? current : undefined;
      });
      expect(done).toMatchObject({ state: 'active', lastError: null });
      const runs = await importRuns(stack, metric.id);
      const manual = runs.find((run) => run.kind === 'manual')!;
      expect(manual.status).toBe('failed');
      expect(manual.error).toMatch(/source changed while this import ran/);
      expect(runs.at(-1)).toMatchObject({ kind: 'config_change', status: 'succeeded' });
      expect((await metricRow(stack, metric.id)).lookId).toBe('13');
      await stack.gateway.terminate(metric.id, 'test done');
    }, manyRetriesTimeoutMs);
  });
});
