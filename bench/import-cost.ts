import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { inArray } from 'drizzle-orm';
import type postgres from 'postgres';
import { stageDatapoints } from '../src/activities/staging';
import { createUpsertActivities, type UpsertResult } from '../src/activities/upsert.activities';
import type { Db } from '../src/db/client';
import { metrics, type ImportRunKind } from '../src/db/schema';
import { createBaselineStagingTable, rawStageDatapoints, rawUpsertDatapoints } from './baselines/raw-sql-merge';
import { centsToDecimal, createImportRun, createMetric, dailyDates, upsertDeps, type Datapoint, type MetricFixture } from './fixtures';
import { collectGarbage } from './gc';
import { step } from './progress';
import { timed, type Samples } from './stats';

export interface ImportCostOptions {
  db: Db;
  sql: postgres.Sql;
  /** Metrics, one import each per run (300). */
  imports: number;
  /** Datapoints per import (1,000). */
  rows: number;
  repeats: number;
}

export interface ImportCostResult {
  scenario: string;
  /** Per import: ms and WAL bytes of one import, averaged over the run's imports. */
  ours: Samples;
  baseline: Samples;
  baselineLabel: string;
}

interface Scenario {
  name: string;
  /** The metrics' stored series before the run. */
  prior: 'empty' | 'yesterday';
  kind: ImportRunKind;
  replace: boolean;
  expected: Pick<UpsertResult, 'inserted' | 'updated' | 'unchanged'>;
}

const look = { lookId: 'bench-imports', dateField: 'orders.created_date', valueField: 'orders.total' };

/** Values of metric `m` on day `i`: distinct per metric, two decimals. */
const cents = (m: number, i: number) => 10_000 + ((i * 7_919 + m * 104_729) % 900_000);
/** A daily import's view of the series: yesterday's dates shifted by one, one new day, two values restated. */
const changedDays = (rows: number) => [rows - 2, rows - 3];

/**
 * Many small imports, the workload of a daily cycle or a burst of backfills: `imports` metrics,
 * each imported once per run with `rows` daily datapoints, one after another over one connection,
 * as a first import (backfill, replace) and as the next day's scheduled re-import (one new date,
 * two restated values, the rest unchanged). Our path (stageDatapoints + the upsert activity)
 * against the raw-SQL path it replaced. Reported per import.
 */
export async function benchImportCost(options: ImportCostOptions): Promise<ImportCostResult[]> {
  const { db, sql, imports, rows, repeats } = options;
  const fixtures: MetricFixture[] = [];
  for (let m = 0; m < imports; m++) {
    fixtures.push(await createMetric(db, { apiEndpoint: 'http://127.0.0.1:9/api/4.0', clientId: `bench-${m}`, clientSecretSealed: 'unused', secretKeyId: 'unused' }, look));
  }
  const metricIds = fixtures.map((fixture) => fixture.metricId);
  // As in the write-path bench: no autovacuum waking at random moments; every run starts vacuumed.
  for (const table of ['datapoints', 'staged_datapoints', 'import_runs']) await sql`alter table ${sql(table)} set (autovacuum_enabled = false)`;
  await createBaselineStagingTable(sql);
  // Yesterday's series ends the day before today's import; today's adds a day and restates two.
  const today = dailyDates(rows + 1);
  const yesterdayDates = today.slice(0, rows);
  const todayDates = today.slice(1);
  const yesterday = (m: number): Datapoint[] => yesterdayDates.map((date, i) => ({ date, value: centsToDecimal(cents(m, i)) }));
  const todays = (m: number): Datapoint[] =>
    todayDates.map((date, i) => ({ date, value: centsToDecimal(cents(m, i + 1) + (changedDays(rows).includes(i) ? 100 : 0)) }));

  const scenarios: Scenario[] = [
    { name: 'first import', prior: 'empty', kind: 'backfill', replace: true, expected: { inserted: rows, updated: 0, unchanged: 0 } },
    { name: 're-import, 1 new + 2 changed', prior: 'yesterday', kind: 'scheduled', replace: false, expected: { inserted: 1, updated: 2, unchanged: rows - 3 } },
  ];

  const upsert = createUpsertActivities(upsertDeps(db, rows));
  type UpsertOutcome = Awaited<ReturnType<typeof upsert.upsertDatapoints>>;
  const activityEnvironment = new MockActivityEnvironment();
  const methods = [
    {
      label: 'ours',
      async importOne(points: Datapoint[], importRunId: string, replace: boolean) {
        await stageDatapoints(db, importRunId, points);
        // The activity heartbeats, so it runs in an activity context, as on a worker.
        return activityEnvironment.run<[], UpsertOutcome, () => Promise<UpsertOutcome>>(() => upsert.upsertDatapoints({ importRunId, replace }));
      },
    },
    {
      label: 'raw SQL (before Drizzle)',
      async importOne(points: Datapoint[], importRunId: string, replace: boolean) {
        await rawStageDatapoints(sql, importRunId, points);
        return rawUpsertDatapoints(sql, { importRunId, replace });
      },
    },
  ];

  const reset = async (scenario: Scenario) => {
    await sql`truncate datapoints, staged_datapoints, import_runs cascade`;
    if (scenario.prior === 'yesterday') {
      for (let m = 0; m < imports; m++) {
        const points = yesterday(m);
        await sql`
          insert into datapoints (metric_id, date, value, import_run_id)
          select ${metricIds[m]!}, d, v, ${randomUUID()}
          from unnest(${sql.array(points.map((p) => p.date))}::date[], ${sql.array(points.map((p) => p.value))}::numeric[]) as t(d, v)`;
      }
    }
    await sql`vacuum (analyze) datapoints, staged_datapoints, import_runs`;
    await sql`checkpoint`.catch(() => undefined);
  };

  const results: ImportCostResult[] = [];
  for (const scenario of scenarios) {
    const inputs = fixtures.map((_, m) => (scenario.prior === 'empty' ? yesterday(m) : todays(m)));
    const samples = methods.map(() => ({ ms: [] as number[], walBytes: [] as number[] }));
    for (let rep = 0; rep < repeats; rep++) {
      for (let k = 0; k < methods.length; k++) {
        const index = (rep + k) % methods.length;
        const method = methods[index]!;
        await reset(scenario);
        // The run rows exist before the timed part, as the workflow's bookkeeping creates them.
        const runIds: string[] = [];
        for (const fixture of fixtures) runIds.push(await createImportRun(db, fixture, look, scenario.kind));
        collectGarbage();
        const [walBefore] = await sql<{ lsn: string }[]>`select pg_current_wal_insert_lsn()::text as lsn`;
        const label = `imports › ${scenario.name} › run ${rep + 1}/${repeats} › ${method.label} (${imports} × ${rows.toLocaleString('en-US')} rows)`;
        const { ms } = await step(label, () =>
          timed(async () => {
            for (let m = 0; m < imports; m++) {
              const result = await method.importOne(inputs[m]!, runIds[m]!, scenario.replace);
              const { inserted, updated, unchanged } = result;
              if (inserted !== scenario.expected.inserted || updated !== scenario.expected.updated || unchanged !== scenario.expected.unchanged) {
                throw new Error(`${label}: import ${m} reported ${JSON.stringify(result)}, expected ${JSON.stringify(scenario.expected)}`);
              }
            }
          }),
        );
        const [wal] = await sql<{ bytes: string }[]>`select pg_wal_lsn_diff(pg_current_wal_insert_lsn(), ${walBefore!.lsn}::pg_lsn)::bigint::text as bytes`;
        await verifyStored(sql, metricIds, imports * (scenario.prior === 'empty' ? rows : rows + 1), label);
        samples[index]!.ms.push(ms / imports);
        samples[index]!.walBytes.push(Number(wal!.bytes) / imports);
      }
    }
    results.push({ scenario: scenario.name, ours: samples[0]!, baseline: samples[1]!, baselineLabel: `${methods[1]!.label}` });
  }
  await sql`truncate datapoints, staged_datapoints, import_runs cascade`;
  await db.delete(metrics).where(inArray(metrics.id, metricIds));
  return results;
}

async function verifyStored(sql: postgres.Sql, metricIds: string[], expected: number, label: string): Promise<void> {
  const [row] = await sql<{ count: number; staged: number }[]>`
    select (select count(*) from datapoints where metric_id = any(${sql.array(metricIds)}::uuid[]))::int as count,
           (select count(*) from staged_datapoints)::int as staged`;
  if (row?.count !== expected || row.staged !== 0) {
    throw new Error(`${label}: ${row?.count} datapoints stored and ${row?.staged} left staged, expected ${expected} and 0`);
  }
}
