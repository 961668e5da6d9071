import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LookerError } from '../../../src/looker/errors';
import { createSharedLookResults, type Freshness, type SharedLookResults } from '../../../src/looker/shared-look-results';
import { FailureType } from '../../../src/shared/failure-types';
import { emulatorCredentials, startTestStack, type TestStack } from '../../helpers/test-stack';
import { createIntegration, createMetric, datapoints, eventuallyStatus, importRuns, lookRows, testLogger } from '../workflow/workflow-helpers';

const runPath = 'GET /looks/1/run/json';
const limit = 1_000_000;
const revenue = 'orders.total_revenue';
const count = 'orders.count';
const date = 'orders.created_date';

/**
 * One Look run serves every import of the same (integration, Look, row limit) due together, across
 * workers, under the freshness rules of docs/workflow.md ("Shared Look runs"). Real Postgres, the
 * real client against the emulator, whose counters tell how often the Look really ran.
 */
describe('shared Look runs', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ seed: 'test', logger: testLogger() });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const runs = () => stack.emulator.control.counters().requestsByPath[runPath] ?? 0;

  describe('the shared result and its freshness rules', () => {
    let integrationId: string;
    let shared: SharedLookResults;
    let workflowNow: number;

    beforeAll(() => {
      shared = createSharedLookResults({ db: stack.services.database.db, logger: testLogger(), leaseMs: 3_000, backfillMaxAgeMs: 60_000 });
    });
    beforeEach(async () => {
      // A fresh integration per case: nothing stored yet.
      integrationId = await createIntegration(stack);
      workflowNow = 1_000_000;
    });

    async function rowsFor(freshness: Freshness, options: { fields?: string[]; using?: SharedLookResults; signal?: AbortSignal } = {}) {
      const client = (await stack.services.lookerClients.forIntegration(integrationId))!;
      const signal = options.signal ?? new AbortController().signal;
      return (options.using ?? shared).rows({
        integrationId,
        lookId: '1',
        limit,
        fields: options.fields ?? [date, revenue],
        freshness,
        workflowNow: () => workflowNow,
        signal,
        run: (fields) => client.runLookAllColumns('1', { limit, fields, signal }),
      });
    }

    it('a backfill uses a result inside the backfill window, and runs the Look once it is older', async () => {
      const before = runs();
      const first = (await rowsFor({ kind: 'backfill' })) as Record<string, unknown>[];
      const second = (await rowsFor({ kind: 'backfill' })) as Record<string, unknown>[];
      expect(runs() - before).toBe(1);
      expect(second).toEqual(first);
      expect(first.length).toBeGreaterThan(700);

      const noWindow = createSharedLookResults({ db: stack.services.database.db, logger: testLogger(), leaseMs: 3_000, backfillMaxAgeMs: 0 });
      await rowsFor({ kind: 'backfill' }, { using: noWindow });
      expect(runs() - before).toBe(2);
    });

    it('a scheduled import uses a result fetched at or after its due instant, never an older one', async () => {
      const before = runs();
      workflowNow = 5_000_000;
      await rowsFor({ kind: 'backfill' });
      // Fetched at workflow time 5,000,000: fresh enough for an import due then or earlier.
      await rowsFor({ kind: 'scheduled', dueAtMs: 5_000_000 });
      await rowsFor({ kind: 'scheduled', dueAtMs: 4_000_000 });
      expect(runs() - before).toBe(1);
      // Due a millisecond later than that fetch: the Look runs again, even though the result is seconds old.
      workflowNow = 5_000_001;
      await rowsFor({ kind: 'scheduled', dueAtMs: 5_000_001 });
      expect(runs() - before).toBe(2);
      // ...and that run now serves the other imports due at that instant.
      await rowsFor({ kind: 'scheduled', dueAtMs: 5_000_001 });
      expect(runs() - before).toBe(2);
    });

    it('import now and a source change run the Look afresh, even right after another run', async () => {
      const before = runs();
      await rowsFor({ kind: 'backfill' });
      await rowsFor({ kind: 'fresh' });
      await rowsFor({ kind: 'fresh' });
      expect(runs() - before).toBe(3);
      // A fresh run is stored for the others like any run.
      await rowsFor({ kind: 'backfill' });
      expect(runs() - before).toBe(3);
    });

    it('each import gets its own fields from the shared rows (the first row whole): a run keeps every column of the Look, and a field the Look lacks runs it again', async () => {
      const before = runs();
      const revenueRows = (await rowsFor({ kind: 'backfill' }, { fields: [date, revenue] })) as Record<string, unknown>[];
      expect(Object.keys(revenueRows[1]!).sort()).toEqual([date, revenue]);
      // No metric on this integration uses orders.count, yet the stored run kept it with every column.
      const countRows = (await rowsFor({ kind: 'backfill' }, { fields: [date, count] })) as Record<string, unknown>[];
      expect(runs() - before).toBe(1);
      expect(Object.keys(countRows[0]!).sort()).toEqual([count, date, revenue]);
      expect(Object.keys(countRows[1]!).sort()).toEqual([count, date].sort());
      expect(countRows.map((row) => row[date])).toEqual(revenueRows.map((row) => row[date]));
      expect(countRows.slice(1).every((row) => typeof row[count] === 'number')).toBe(true);
      // A field the stored run does not have (added to the Look since?) asks Looker again.
      await rowsFor({ kind: 'backfill' }, { fields: [date, 'orders.average_price'] });
      expect(runs() - before).toBe(2);
    });

    it('runs keep the fields of every metric on the Look: a metric on another field of it shares the run', async () => {
      const metric = await createMetric(stack, integrationId, { valueField: count });
      await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.succeeded === true);
      await stack.gateway.terminate(metric.id, 'test done');
      const before = runs();
      await rowsFor({ kind: 'fresh' }, { fields: [date, revenue] });
      const countRows = (await rowsFor({ kind: 'backfill' }, { fields: [date, count] })) as Record<string, unknown>[];
      expect(runs() - before).toBe(1);
      expect(Object.keys(countRows[1]!).sort()).toEqual([count, date].sort());
    });

    it('imports waiting together get one run, and its Looker failure too; a later import asks Looker again', async () => {
      const latency = stack.emulator.control.addFault({ type: 'latency', ms: 300, match: { path: '/looks/1/run/json' } });
      const gone = stack.emulator.control.addFault({ type: 'error', status: 404, match: { path: '/looks/1/run/json' } });
      try {
        const before = runs();
        const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => rowsFor({ kind: 'backfill' })));
        expect(runs() - before).toBe(1);
        for (const outcome of outcomes) {
          expect(outcome.status).toBe('rejected');
          const reason = (outcome as PromiseRejectedResult).reason as LookerError;
          expect(reason).toBeInstanceOf(LookerError);
          expect(reason.type).toBe(FailureType.LookNotFound);
          expect(reason.message).toMatch(/Look 1 was not found/);
        }
        stack.emulator.control.removeFault(gone.id);
        const rows = (await rowsFor({ kind: 'backfill' })) as unknown[];
        expect(rows.length).toBeGreaterThan(700);
        expect(runs() - before).toBe(2);

      } finally {
        stack.emulator.control.removeFault(latency.id);
        stack.emulator.control.removeFault(gone.id);
      }
    });

    it('a holder that died (its lease no longer renewed) is replaced once the lease expires', async () => {
      const { db } = stack.services.database;
      await db.execute(sql`
        insert into shared_look_results (integration_id, look_id, row_limit, lease_holder, lease_expires_at)
        values (${integrationId}, '1', ${limit}, gen_random_uuid(), now() + interval '2 seconds')`);
      const before = runs();
      const rows = (await rowsFor({ kind: 'backfill' })) as unknown[];
      expect(rows.length).toBeGreaterThan(700);
      expect(runs() - before).toBe(1);
    });

    it('stores the rows gzipped, deletes outcomes past the sharing window, and forgets them when the credentials change', async () => {
      const { db } = stack.services.database;
      // An outcome written an hour ago, for another Look: the next store deletes it.
      await db.execute(sql`
        insert into shared_look_results (integration_id, look_id, row_limit, fields, result, fetched_at, fetched_at_workflow_ms, updated_at)
        values (${integrationId}, '3', ${limit}, array['orders.created_month'], '\\x00', now() - interval '1 hour', 0, now() - interval '1 hour')`);
      const rows = await rowsFor({ kind: 'backfill' });
      const stored = await db.execute<{ look_id: string; bytes: number }>(
        sql`select look_id, length(result) as bytes from shared_look_results where integration_id = ${integrationId} order by look_id`,
      );
      expect(stored.map((row) => row.look_id)).toEqual(['1']);
      expect(Number(stored[0]!.bytes)).toBeLessThan(JSON.stringify(rows).length / 3);

      const patched = await stack.http('PATCH', `/v1/integrations/${integrationId}`, { clientSecret: emulatorCredentials.clientSecret });
      expect(patched.status).toBe(200);
      const left = await db.execute(sql`select 1 from shared_look_results where integration_id = ${integrationId}`);
      expect(left).toHaveLength(0);
    });

    it('a cancelled import stops waiting with the cancellation, and runs nothing', async () => {
      const { db } = stack.services.database;
      await db.execute(sql`
        insert into shared_look_results (integration_id, look_id, row_limit, lease_holder, lease_expires_at)
        values (${integrationId}, '1', ${limit}, gen_random_uuid(), now() + interval '1 minute')`);
      const before = runs();
      const controller = new AbortController();
      const waiting = rowsFor({ kind: 'backfill' }, { signal: controller.signal });
      setTimeout(() => controller.abort(new Error('activity cancelled')), 300);
      await expect(waiting).rejects.toThrow('activity cancelled');
      expect(runs()).toBe(before);
    });
  });

  it('50 metrics on one Look created together: one Look run (and one field lookup), each metric with its own field', async () => {
    const integrationId = await createIntegration(stack);
    stack.emulator.control.resetCounters();
    // The Look answers slowly, so every backfill is due while the first run is still in flight.
    const latency = stack.emulator.control.addFault({ type: 'latency', ms: 500, match: { path: '/looks/1/run/json' } });
    try {
      const metrics = await Promise.all(
        Array.from({ length: 50 }, (_, i) => createMetric(stack, integrationId, { valueField: i % 2 === 0 ? revenue : count })),
      );
      for (const metric of metrics) {
        const done = await eventuallyStatus(stack, metric.id, (s) => s.lastImport !== null, { timeoutMs: 120_000 });
        expect(done.lastImport).toMatchObject({ kind: 'backfill', succeeded: true });
      }
      const counters = stack.emulator.control.counters();
      expect(counters.requestsByPath[runPath]).toBe(1);
      expect(counters.requestsByPath['GET /looks/1/run/json_detail']).toBe(1);

      // Each metric parsed its own field: the revenue metrics hold the Look's revenue, the count metrics its counts.
      const rows = await lookRows(stack, '1');
      const expected = (field: string) => new Map(rows.map((row) => [String(row[date]), String(row[field])]));
      for (const [i, metric] of metrics.entries()) {
        expect(await datapoints(stack, metric.id)).toEqual(expected(i % 2 === 0 ? revenue : count));
      }
      for (const metric of metrics) await stack.gateway.terminate(metric.id, 'test done');
    } finally {
      stack.emulator.control.removeFault(latency.id);
    }
  }, 180_000);

  it('metrics on one Look with different value fields, created at different moments within the backfill window: one Look run', async () => {
    const integrationId = await createIntegration(stack);
    stack.emulator.control.resetCounters();
    const backfilled = async (valueField: string) => {
      const metric = await createMetric(stack, integrationId, { valueField });
      const done = await eventuallyStatus(stack, metric.id, (s) => s.lastImport !== null);
      expect(done.lastImport).toMatchObject({ kind: 'backfill', succeeded: true });
      return metric;
    };
    // Each created after the previous one's backfill finished: no run in flight to wait for.
    const first = await backfilled(revenue);
    const second = await backfilled(count);
    const third = await backfilled(revenue);
    const counters = stack.emulator.control.counters();
    expect(counters.requestsByPath[runPath]).toBe(1);
    expect(counters.requestsByPath['GET /looks/1/run/json_detail']).toBe(1);

    const rows = await lookRows(stack, '1');
    const expected = (field: string) => new Map(rows.map((row) => [String(row[date]), String(row[field])]));
    expect(await datapoints(stack, first.id)).toEqual(expected(revenue));
    expect(await datapoints(stack, second.id)).toEqual(expected(count));
    expect(await datapoints(stack, third.id)).toEqual(expected(revenue));
    for (const metric of [first, second, third]) await stack.gateway.terminate(metric.id, 'test done');
  }, 120_000);

  it('import now and a source change run the Look afresh, though a result seconds old exists', async () => {
    const integrationId = await createIntegration(stack);
    const metric = await createMetric(stack, integrationId);
    const other = await createMetric(stack, integrationId);
    for (const id of [metric.id, other.id]) await eventuallyStatus(stack, id, (s) => s.lastImport?.succeeded === true);
    const afterBackfills = runs();

    expect((await stack.http('POST', `/v1/metrics/${metric.id}/import-now`)).status).toBe(202);
    await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.kind === 'manual');
    expect(runs()).toBe(afterBackfills + 1);

    expect((await stack.http('PATCH', `/v1/metrics/${other.id}`, { valueField: count })).status).toBe(200);
    const changed = await eventuallyStatus(stack, other.id, (s) => s.lastImport?.kind === 'config_change');
    expect(changed.lastImport).toMatchObject({ succeeded: true });
    expect(runs()).toBe(afterBackfills + 2);
    expect((await importRuns(stack, other.id)).map((run) => run.kind)).toEqual(['backfill', 'config_change']);
    for (const id of [metric.id, other.id]) await stack.gateway.terminate(id, 'test done');
  }, 120_000);
});
