import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/eventually';
import { devServerNow, importTimeAhead } from '../../helpers/test-clock';
import { emulatorCredentials, startTestStack, type TestStack } from '../../helpers/test-stack';

/** The test seed's Look 11: 100,000 daily rows ending 2024-06-30, saved with no row limit ("-1"). */
const bigLook = { lookId: '11', dateField: 'orders.created_date', valueField: 'orders.count', rows: 100_000, lastDate: '2024-06-30' };

interface ImportRunRow {
  status: string;
  kind: string;
  rows_read: number | null;
  inserted: number | null;
  updated: number | null;
  unchanged: number | null;
  skipped: number | null;
  warnings: string[] | null;
  first_date: string | null;
  last_date: string | null;
  error: string | null;
}

/** The date `days` before `date` (ISO, UTC calendar arithmetic). */
function daysBefore(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

async function createMetric(stack: TestStack, name: string): Promise<string> {
  const integration = await stack.http<{ id: string }>('POST', '/v1/integrations', { name: `${name} Looker`, apiEndpoint: stack.emulator.url, ...emulatorCredentials });
  expect(integration.status).toBe(201);
  const metric = await stack.http<{ id: string }>('POST', '/v1/metrics', {
    name,
    integrationId: integration.body.id,
    lookId: bigLook.lookId,
    dateField: bigLook.dateField,
    valueField: bigLook.valueField,
    importTime: importTimeAhead(devServerNow(), 'UTC'),
    timeZone: 'UTC',
  });
  expect(metric.status).toBe(202);
  return metric.body.id;
}

/** Waits for the metric's backfill to end: merged (`inserted` set) or failed. */
async function finishedBackfill(stack: TestStack, metricId: string): Promise<ImportRunRow> {
  return eventually(
    async () => {
      const [run] = await stack.services.database.sql<ImportRunRow[]>`
        select status, kind, rows_read, inserted, updated, unchanged, skipped, warnings,
               first_date::text as first_date, last_date::text as last_date, error
        from import_runs where metric_id = ${metricId} and kind = 'backfill'
        order by started_at limit 1`;
      return run?.status === 'failed' || (run?.status === 'succeeded' && run.inserted !== null) ? run : undefined;
    },
    { timeoutMs: 150_000, intervalMs: 500 },
  );
}

async function storedDatapoints(stack: TestStack, metricId: string) {
  const [stats] = await stack.services.database.db.execute<{ count: number; first: string; last: string }>(
    sql`select count(*)::int as count, min(date)::text as first, max(date)::text as last from datapoints where metric_id = ${metricId}`,
  );
  return stats;
}

/**
 * Issue 3, acceptance 4: a metric on the 100,000-row Look imports completely through the whole
 * service (API → Temporal → activities → emulator → Postgres), and the import run records its row
 * counts; with a row cap below the Look's size, the run records the truncation warning.
 */
describe('importing the 100,000-row Look', () => {
  describe('with the default row cap (LOOKER_MAX_ROWS 1,000,000)', () => {
    let stack: TestStack;
    beforeAll(async () => {
      stack = await startTestStack({ seed: 'test' });
    });
    afterAll(async () => {
      await stack?.stop();
    });

    it('imports every row and records the counts, with no warning', { timeout: 180_000 }, async () => {
      const metricId = await createMetric(stack, 'Daily orders, full history');
      const run = await finishedBackfill(stack, metricId);
      const firstDate = daysBefore(bigLook.lastDate, bigLook.rows - 1);
      expect(run).toEqual({
        status: 'succeeded',
        kind: 'backfill',
        rows_read: bigLook.rows,
        inserted: bigLook.rows,
        updated: 0,
        unchanged: 0,
        skipped: 0,
        warnings: [],
        first_date: firstDate,
        last_date: bigLook.lastDate,
        error: null,
      });
      expect(await storedDatapoints(stack, metricId)).toEqual({ count: bigLook.rows, first: firstDate, last: bigLook.lastDate });

      // The values are the Look's, row for row.
      const client = await stack.services.lookerClients.forIntegration(
        (await stack.services.database.sql<{ integration_id: string }[]>`select integration_id from metrics where id = ${metricId}`)[0]!.integration_id,
      );
      const rows = (await client!.runLook(bigLook.lookId, { limit: 1_000_000 })) as Record<string, unknown>[];
      const expected = new Map(rows.map((row) => [String(row[bigLook.dateField]), Number(row[bigLook.valueField])]));
      const stored = await stack.services.database.sql<{ date: string; value: string }[]>`
        select date::text as date, value::text as value from datapoints where metric_id = ${metricId}`;
      const mismatches = stored.filter((point) => expected.get(point.date) !== Number(point.value));
      expect(mismatches).toEqual([]);
      expect(await stagedRowsLeft(stack, metricId)).toBe(0);
    });
  });

  describe('with a row cap below the Look’s size (LOOKER_MAX_ROWS 40,000)', () => {
    const maxRows = 40_000;
    let stack: TestStack;
    beforeAll(async () => {
      stack = await startTestStack({ seed: 'test', maxRows });
    });
    afterAll(async () => {
      await stack?.stop();
    });

    it('imports the newest 40,000 rows and records the truncation warning on the run', { timeout: 180_000 }, async () => {
      const metricId = await createMetric(stack, 'Daily orders, capped');
      const run = await finishedBackfill(stack, metricId);
      const firstDate = daysBefore(bigLook.lastDate, maxRows - 1);
      expect(run).toMatchObject({ status: 'succeeded', rows_read: maxRows, inserted: maxRows, skipped: 0, first_date: firstDate, last_date: bigLook.lastDate });
      expect(run.warnings).toHaveLength(1);
      expect(run.warnings?.[0]).toContain(`exactly ${maxRows} rows`);
      expect(run.warnings?.[0]).toContain('LOOKER_MAX_ROWS');
      expect(await storedDatapoints(stack, metricId)).toEqual({ count: maxRows, first: firstDate, last: bigLook.lastDate });
      // One json run (the cap went to Looker as the run's limit; the saved query has none).
      expect(stack.emulator.control.counters().requestsByPath[`GET /looks/${bigLook.lookId}/run/json`]).toBe(1);
    });
  });
});

async function stagedRowsLeft(stack: TestStack, metricId: string): Promise<number> {
  const [row] = await stack.services.database.sql<{ count: number }[]>`
    select count(*)::int as count from staged_datapoints
    where import_run_id in (select id from import_runs where metric_id = ${metricId})`;
  return row?.count ?? -1;
}
