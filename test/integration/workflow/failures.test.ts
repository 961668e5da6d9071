import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { integrations, metrics } from '../../../src/db/schema';
import { clientSecretAad } from '../../../src/looker/client-factory';
import { metricWorkflowId } from '../../../src/shared/ids';
import { importNow } from '../../../src/shared/messages';
import { ImportStateKey } from '../../../src/shared/search-attributes';
import { eventually } from '../../helpers/eventually';
import { emulatorCredentials, type TestStack } from '../../helpers/test-stack';
import {
  createIntegration,
  createMetric,
  startTimeSkippingStack,
  stopTimeSkippingStack,
  datapoints,
  eventuallyStatus,
  importRuns,
  lookRows,
  metricRow,
  skipTo,
  status,
} from './workflow-helpers';

const runPath = '/looks/1/run/json';

/** Acceptance 4 and 5, and Retry-After, on the time-skipping server with the emulator's faults. */
describe('failures: needs attention, outages and rate limits', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;

  beforeAll(async () => {
    ({ env, stack } = await startTimeSkippingStack());
  });
  afterEach(() => {
    stack.emulator.control.reset();
  });
  afterAll(() => stopTimeSkippingStack({ env, stack }));

  /** Stores another client secret for the integration, sealed as the API stores it. */
  async function setClientSecret(integrationId: string, secret: string): Promise<void> {
    const { secretBox, database } = stack.services;
    await database.db
      .update(integrations)
      .set({ clientSecretSealed: secretBox.encrypt(secret, clientSecretAad(integrationId)), secretKeyId: secretBox.currentKeyId })
      .where(eq(integrations.id, integrationId));
  }

  const faultHits = (id: string) => stack.emulator.control.listFaults().find((fault) => fault.id === id)?.hits ?? 0;

  it('puts the metric in needs_attention when its Look is deleted, keeps the workflow running, and recovers on a config change', async () => {
    const integrationId = await createIntegration(stack);
    const metric = await createMetric(stack, integrationId);
    await eventuallyStatus(stack, metric.id, (s) => s.state === 'active');
    const handle = stack.client.workflow.getHandle(metricWorkflowId(metric.id));
    const before = await datapoints(stack, metric.id);

    stack.emulator.control.deleteLook('1');
    await handle.signal(importNow);
    const broken = await eventuallyStatus(stack, metric.id, (s) => s.state === 'needs_attention');
    expect(broken.lastError).toMatch(/Look 1 was not found: it was deleted/);
    expect(broken.nextImportAt).not.toBeNull(); // it still tries every day
    expect(await metricRow(stack, metric.id)).toMatchObject({ state: 'needs_attention', lastError: broken.lastError });
    const failed = (await importRuns(stack, metric.id)).at(-1)!;
    expect([failed.kind, failed.status, failed.error]).toEqual(['manual', 'failed', broken.lastError]);
    const described = await handle.describe();
    expect(described.status.name).toBe('RUNNING');
    expect(described.typedSearchAttributes.get(ImportStateKey)).toBe('needs_attention');
    expect(await datapoints(stack, metric.id)).toEqual(before); // nothing stored is lost

    // The fix: point the metric at another Look. It re-imports and is active again.
    await stack.gateway.updateSourceConfig(metric.id, { lookId: '13', valueField: 'orders.count' });
    const fixed = await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.kind === 'config_change');
    expect(fixed).toMatchObject({ state: 'active', lastError: null });
    expect(await metricRow(stack, metric.id)).toMatchObject({ state: 'active', lastError: null, lookId: '13' });
    const expected = await lookRows(stack, '13');
    const stored = await datapoints(stack, metric.id);
    expect([...stored.keys()].sort()).toEqual(expected.map((row) => String(row['orders.created_date'])).sort());
    for (const row of expected) expect(stored.get(String(row['orders.created_date']))).toBe(String(row['orders.count']));
    expect((await handle.describe()).typedSearchAttributes.get(ImportStateKey)).toBe('active');
    await stack.gateway.terminate(metric.id, 'test done');
  });

  it('recovers at once on resume once a deleted Look is restored', async () => {
    const integrationId = await createIntegration(stack);
    const metric = await createMetric(stack, integrationId);
    await eventuallyStatus(stack, metric.id, (s) => s.state === 'active');
    stack.emulator.control.deleteLook('1');
    await stack.client.workflow.getHandle(metricWorkflowId(metric.id)).signal(importNow);
    await eventuallyStatus(stack, metric.id, (s) => s.state === 'needs_attention');

    stack.emulator.control.restoreLook('1');
    await stack.gateway.resume(metric.id);
    const fixed = await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.succeeded === true && s.lastImport.kind === 'manual');
    expect(fixed).toMatchObject({ state: 'active', lastError: null });
    await stack.gateway.terminate(metric.id, 'test done');
  });

  it('puts the metric in needs_attention when its credentials are revoked, retries on each scheduled day, and is active again once they are fixed', async () => {
    const integrationId = await createIntegration(stack);
    const metric = await createMetric(stack, integrationId);
    const first = await eventuallyStatus(stack, metric.id, (s) => s.state === 'active');
    const handle = stack.client.workflow.getHandle(metricWorkflowId(metric.id));

    // Revoked in Looker: the stored client secret no longer logs in and the live token is dead.
    await setClientSecret(integrationId, 'revoked-0123456789abcdef');
    stack.emulator.control.expireTokens();

    await skipTo(env, new Date(Date.parse(first.nextImportAt!) + 60_000));
    const broken = await eventuallyStatus(stack, metric.id, (s) => s.state === 'needs_attention');
    expect(broken.lastError).toMatch(/Looker rejected the client ID and client secret/);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect(await metricRow(stack, metric.id)).toMatchObject({ state: 'needs_attention', lastError: broken.lastError });

    // Still broken the next day: retried on schedule, still needs attention.
    await skipTo(env, new Date(Date.parse(broken.nextImportAt!) + 60_000));
    const again = await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.scheduledFor === broken.nextImportAt);
    expect(again.state).toBe('needs_attention');

    // Fixed (as updating the integration's secret does): the next scheduled import succeeds.
    await setClientSecret(integrationId, emulatorCredentials.clientSecret);
    await skipTo(env, new Date(Date.parse(again.nextImportAt!) + 60_000));
    const fixed = await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.scheduledFor === again.nextImportAt);
    expect(fixed).toMatchObject({ state: 'active', lastError: null });
    expect(fixed.lastImport?.succeeded).toBe(true);
    expect((await importRuns(stack, metric.id)).map((run) => [run.kind, run.status])).toEqual([
      ['backfill', 'succeeded'],
      ['scheduled', 'failed'],
      ['scheduled', 'failed'],
      ['scheduled', 'succeeded'],
    ]);
    expect(await metricRow(stack, metric.id)).toMatchObject({ state: 'active', lastError: null });
    await stack.gateway.terminate(metric.id, 'test done');
  });

  it('delays the import through ten simulated minutes of Looker 5xx, then imports once with correct counts', async () => {
    const integrationId = await createIntegration(stack);
    const metric = await createMetric(stack, integrationId);
    const first = await eventuallyStatus(stack, metric.id, (s) => s.state === 'active');
    const due = Date.parse(first.nextImportAt!);
    const history = await lookRows(stack, '1');

    // A new day appears in the Look, and Looker answers 503 to every run from the import time on.
    stack.emulator.control.appendLookRows('1', [{ 'orders.created_date': '2024-07-01', 'orders.total_revenue': 4242.42, 'orders.count': 42 }]);
    const outage = stack.emulator.control.addFault({ type: 'error', status: 503, match: { path: runPath } });
    await skipTo(env, new Date(due + 10 * 60_000));

    // Ten minutes in: retried with backoff, still one import, still running.
    expect(faultHits(outage.id)).toBeGreaterThanOrEqual(4);
    const during = await status(stack, metric.id);
    expect(during.importing).toBe(true);
    const running = (await importRuns(stack, metric.id)).filter((run) => run.kind === 'scheduled');
    expect(running.map((run) => [run.status, run.scheduledFor.getTime()])).toEqual([['running', due]]);

    const outageEnded = await env.currentTimeMs();
    stack.emulator.control.removeFault(outage.id);
    await env.sleep('15 minutes');
    const done = await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.scheduledFor === new Date(due).toISOString());
    expect(done).toMatchObject({ state: 'active', lastError: null });
    expect(done.lastImport?.succeeded).toBe(true);
    expect(Date.parse(done.lastImport!.finishedAt)).toBeGreaterThanOrEqual(outageEnded);

    // No duplicate run or row; the counts say exactly what changed.
    const scheduled = (await importRuns(stack, metric.id)).filter((run) => run.kind === 'scheduled');
    expect(scheduled).toHaveLength(1);
    expect(scheduled.map((run) => [run.status, run.rowsRead, run.inserted, run.updated, run.unchanged, run.deleted])).toEqual([
      ['succeeded', history.length + 1, 1, 0, history.length, 0],
    ]);
    const stored = await datapoints(stack, metric.id);
    expect(stored.size).toBe(history.length + 1);
    expect(stored.get('2024-07-01')).toBe('4242.42');
    await stack.gateway.terminate(metric.id, 'test done');
  });

  it('waits for Looker’s Retry-After on 429 before trying again', async () => {
    const integrationId = await createIntegration(stack);
    const metric = await createMetric(stack, integrationId);
    await eventuallyStatus(stack, metric.id, (s) => s.state === 'active');
    const runsBefore = stack.emulator.control.counters().runs['1'] ?? 0;

    const limited = stack.emulator.control.addFault({ type: 'rate-limit', retryAfterSeconds: 1800, count: 1, match: { path: runPath } });
    await stack.client.workflow.getHandle(metricWorkflowId(metric.id)).signal(importNow);
    await eventually(() => Promise.resolve(faultHits(limited.id) === 1 ? true : undefined));

    // The backoff alone would retry after 10 s; Retry-After says 30 minutes, and nothing runs before.
    await env.sleep('29 minutes');
    expect(stack.emulator.control.counters().runs['1'] ?? 0).toBe(runsBefore);
    expect((await status(stack, metric.id)).importing).toBe(true);

    await env.sleep('2 minutes');
    const done = await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.kind === 'manual');
    expect(done).toMatchObject({ state: 'active', lastError: null });
    expect(stack.emulator.control.counters().runs['1']).toBe(runsBefore + 1);
    await stack.gateway.terminate(metric.id, 'test done');
  });

  it('ends the workflow, rather than failing it, when the metric was deleted under it', async () => {
    const integrationId = await createIntegration(stack);
    const metric = await createMetric(stack, integrationId);
    await eventuallyStatus(stack, metric.id, (s) => s.state === 'active');
    const handle = stack.client.workflow.getHandle(metricWorkflowId(metric.id));

    await stack.services.database.db.delete(metrics).where(eq(metrics.id, metric.id));
    await handle.signal(importNow);
    await expect(handle.result()).resolves.toBeUndefined();
    expect((await handle.describe()).status.name).toBe('COMPLETED');
  });

  it('still owes a full re-import after a config change whose import failed: the next import replaces the series', async () => {
    const integrationId = await createIntegration(stack);
    const metric = await createMetric(stack, integrationId);
    await eventuallyStatus(stack, metric.id, (s) => s.state === 'active');

    // Look 7's run fails for good (404), after the change itself was validated against its fields.
    const gone = stack.emulator.control.addFault({ type: 'error', status: 404, match: { path: '/looks/7/run/json' } });
    await stack.gateway.updateSourceConfig(metric.id, { lookId: '7', valueField: 'orders.average_order_value' });
    const broken = await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.kind === 'config_change');
    expect(broken.state).toBe('needs_attention');
    expect((await datapoints(stack, metric.id)).size).toBeGreaterThan(700); // Look 1's series, still there

    // Fixed; "import now" runs a manual import, which replaces the series as the failed one would have.
    stack.emulator.control.removeFault(gone.id);
    await stack.client.workflow.getHandle(metricWorkflowId(metric.id)).signal(importNow);
    const fixed = await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.kind === 'manual');
    expect(fixed).toMatchObject({ state: 'active', lastError: null });
    const manual = (await importRuns(stack, metric.id)).at(-1)!;
    expect(manual.deleted).toBeGreaterThan(700);

    const undisturbed = await createMetric(stack, integrationId, { lookId: '7', valueField: 'orders.average_order_value' });
    await eventuallyStatus(stack, undisturbed.id, (s) => s.state === 'active');
    const expected = await datapoints(stack, undisturbed.id);
    expect(expected.size).toBeGreaterThan(0);
    expect(await datapoints(stack, metric.id)).toEqual(expected);
    for (const id of [metric.id, undisturbed.id]) await stack.gateway.terminate(id, 'test done');
  });
});
