import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { sql as dsql } from 'drizzle-orm';
import type postgres from 'postgres';
import { stageDatapoints } from '../src/activities/staging';
import { createUpsertActivities } from '../src/activities/upsert.activities';
import type { Db } from '../src/db/client';
import { datapoints, type ImportRunKind } from '../src/db/schema';
import { createBaselineStagingTable, rawStageDatapoints, rawUpsertDatapoints } from './baselines/raw-sql-merge';
import { centsToDecimal, createImportRun, createMetric, dailyDates, series, upsertDeps, type Datapoint, type MetricFixture } from './fixtures';
import { collectGarbage } from './gc';
import { note, step } from './progress';
import { timed, type Samples } from './stats';

export interface WritePathOptions {
  db: Db;
  sql: postgres.Sql;
  /** Datapoints per import (100,000). */
  rows: number;
  /** Rows written by the row-by-row baseline, whose time is scaled up to `rows`. */
  rowByRowRows: number;
  /** Drizzle baseline batch size (1,000). */
  batchSize: number;
  repeats: number;
}

export interface MethodResult {
  label: string;
  samples: Samples;
}

export interface ScenarioResult {
  scenario: string;
  ours: MethodResult;
  /** Of our time, the part spent in stageDatapoints (the rest is the merge activity). */
  oursStageMs: number[];
  baselines: MethodResult[];
}

interface Scenario {
  name: string;
  prior: 'empty' | 'base';
  variant: 'base' | 'changed-1pct';
  /** How the workflow runs this import: the backfill replaces the series, scheduled runs merge. */
  kind: ImportRunKind;
  replace: boolean;
}

const scenarios: Scenario[] = [
  { name: 'first import (all inserts)', prior: 'empty', variant: 'base', kind: 'backfill', replace: true },
  { name: 're-import, unchanged', prior: 'base', variant: 'base', kind: 'scheduled', replace: false },
  { name: 're-import, 1% changed', prior: 'base', variant: 'changed-1pct', kind: 'scheduled', replace: false },
];

const look = { lookId: 'bench', dateField: 'orders.created_date', valueField: 'orders.total' };

/**
 * Import write path for one metric: our path (stageDatapoints, then the upsert activity's
 * set-based merge, exactly as the workflow runs them) against the same path in raw SQL as it was
 * before it moved to Drizzle (bench/baselines), Drizzle multi-row upserts in batches and row-by-row
 * upserts, for a first import, an unchanged re-import and a
 * re-import with 1% of the values changed. Every repetition starts from the same table state
 * (truncated, reloaded, vacuumed, checkpointed), and every result is checked against the
 * expected table contents.
 */
export async function benchWritePath(options: WritePathOptions): Promise<ScenarioResult[]> {
  const { db, sql, rows, rowByRowRows, batchSize, repeats } = options;
  const fixture = await createMetric(
    db,
    { apiEndpoint: 'http://127.0.0.1:9/api/4.0', clientId: 'bench', clientSecretSealed: 'unused', secretKeyId: 'unused' },
    look,
  );
  // Autovacuum would wake up at random moments after the 100k-row writes; the bench vacuums itself.
  await sql`alter table datapoints set (autovacuum_enabled = false)`;
  await sql`alter table staged_datapoints set (autovacuum_enabled = false)`;
  await sql`alter table import_runs set (autovacuum_enabled = false)`;
  await createBaselineStagingTable(sql);

  const upsert = createUpsertActivities(upsertDeps(db, rows));
  type UpsertOutcome = Awaited<ReturnType<typeof upsert.upsertDatapoints>>;
  const activityEnvironment = new MockActivityEnvironment();
  const dates = dailyDates(rows);
  const baseCents = series(dates, 'base').cents;
  const canCheckpoint = await tryCheckpoint(sql);
  if (!canCheckpoint) note('CHECKPOINT not permitted for this role: runs will not start from a checkpoint (more noise)');

  interface Method {
    label: string;
    /** Rows this method writes per run; its time is scaled by rows / written. */
    written: number;
    /** Writes the points and returns the timed part's duration in ms. */
    run(points: Datapoint[], scenario: Scenario): Promise<number>;
  }

  /** The staging part of our last run, reported apart from the merge. */
  let lastStageMs = 0;
  const ours: Method = {
    label: 'stage + merge (ours)',
    written: rows,
    async run(points, scenario) {
      const importRunId = await createImportRun(db, fixture, look, scenario.kind);
      const expected = expectedCounts(scenario, points.length);
      const { ms, result } = await timed(async () => {
        lastStageMs = (await timed(() => stageDatapoints(db, importRunId, points))).ms;
        // The activity heartbeats, so it runs in an activity context, as on a worker.
        return activityEnvironment.run<[], UpsertOutcome, () => Promise<UpsertOutcome>>(() => upsert.upsertDatapoints({ importRunId, replace: scenario.replace }));
      });
      if (result.inserted !== expected.inserted || result.updated !== expected.updated || result.stale) {
        throw new Error(`${scenario.name}: the upsert reported ${JSON.stringify(result)}, expected ${JSON.stringify(expected)}`);
      }
      return ms;
    },
  };
  const rawSql: Method = {
    label: 'stage + merge, raw SQL (before Drizzle)',
    written: rows,
    async run(points, scenario) {
      const importRunId = await createImportRun(db, fixture, look, scenario.kind);
      const expected = expectedCounts(scenario, points.length);
      const { ms, result } = await timed(async () => {
        await rawStageDatapoints(sql, importRunId, points);
        return rawUpsertDatapoints(sql, { importRunId, replace: scenario.replace });
      });
      if (result.inserted !== expected.inserted || result.updated !== expected.updated) {
        throw new Error(`${scenario.name}: the raw-SQL baseline reported ${JSON.stringify(result)}, expected ${JSON.stringify(expected)}`);
      }
      return ms;
    },
  };
  const drizzleBatches: Method = {
    label: `Drizzle upsert, ${batchSize.toLocaleString('en-US')}-row batches`,
    written: rows,
    async run(points) {
      const importRunId = randomUUID();
      const { ms } = await timed(() =>
        db.transaction(async (tx) => {
          for (let start = 0; start < points.length; start += batchSize) {
            await upsertStatement(tx, fixture, importRunId, points.slice(start, start + batchSize));
          }
        }),
      );
      return ms;
    },
  };
  const rowByRowWritten = Math.min(rowByRowRows, rows);
  const rowByRow: Method = {
    label: `Drizzle upsert, row by row (${rowByRowRows.toLocaleString('en-US')} rows, ×${formatScale(rows / rowByRowRows)})`,
    written: rowByRowWritten,
    async run(points) {
      const importRunId = randomUUID();
      const some = points.slice(0, rowByRowWritten);
      const { ms } = await timed(async () => {
        for (const point of some) await upsertStatement(db, fixture, importRunId, [point]);
      });
      return ms;
    },
  };
  const methods = [ours, rawSql, drizzleBatches, rowByRow];

  await step('write path: warm-up (2,000 rows per method)', async () => {
    const warm = series(dates.slice(0, 2_000), 'base').points;
    for (const method of methods) {
      await resetTable(sql, fixture, 'empty', dates, baseCents, canCheckpoint);
      await method.run(warm, scenarios[0]!);
    }
  });

  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    const imported = series(dates, scenario.variant);
    const samples = new Map(methods.map((method) => [method, { ms: [] as number[], walBytes: [] as number[] }]));
    const oursStageMs: number[] = [];
    for (let rep = 0; rep < repeats; rep++) {
      // Rotate the order each repetition so no method always runs first (or right after another).
      for (let k = 0; k < methods.length; k++) {
        const method = methods[(rep + k) % methods.length]!;
        await resetTable(sql, fixture, scenario.prior, dates, baseCents, canCheckpoint);
        collectGarbage();
        const walBefore = await walPosition(sql);
        const label = `write path › ${scenario.name} › run ${rep + 1}/${repeats} › ${method.label}`;
        const ms = await step(label, () => method.run(imported.points, scenario));
        const walBytes = await walSince(sql, walBefore);
        await verifyTable(sql, fixture, expectedTable(scenario.prior, baseCents, imported.cents, method.written), label);
        const sample = samples.get(method)!;
        sample.ms.push(ms * (rows / method.written));
        sample.walBytes.push(walBytes * (rows / method.written));
        if (method === ours) oursStageMs.push(lastStageMs);
      }
    }
    const [oursSamples, ...baselineSamples] = methods.map((method) => ({ label: method.label, samples: samples.get(method)! }));
    results.push({ scenario: scenario.name, ours: oursSamples!, oursStageMs, baselines: baselineSamples });
  }
  await sql`truncate datapoints, staged_datapoints, import_runs cascade`;
  return results;
}

/** The conventional upsert: Drizzle multi-row VALUES with the same guard as ours. */
function upsertStatement(executor: Pick<Db, 'insert'>, fixture: MetricFixture, importRunId: string, points: Datapoint[]) {
  return executor
    .insert(datapoints)
    .values(points.map((point) => ({ metricId: fixture.metricId, date: point.date, value: point.value, importRunId })))
    .onConflictDoUpdate({
      target: [datapoints.metricId, datapoints.date],
      set: { value: dsql`excluded.value`, importRunId: dsql`excluded.import_run_id`, updatedAt: dsql`now()` },
      setWhere: dsql`${datapoints.value} is distinct from excluded.value`,
    });
}

function expectedCounts(scenario: Scenario, count: number): { inserted: number; updated: number } {
  if (scenario.prior === 'empty') return { inserted: count, updated: 0 };
  if (scenario.variant === 'base') return { inserted: 0, updated: 0 };
  return { inserted: 0, updated: Math.ceil(count / 100) };
}

function expectedTable(prior: Scenario['prior'], baseCents: number[], importedCents: number[], written: number): { count: number; cents: bigint } {
  let total = 0n;
  for (let i = 0; i < written; i++) total += BigInt(importedCents[i]!);
  if (prior === 'empty') return { count: written, cents: total };
  for (let i = written; i < baseCents.length; i++) total += BigInt(baseCents[i]!);
  return { count: baseCents.length, cents: total };
}

async function verifyTable(sql: postgres.Sql, fixture: MetricFixture, expected: { count: number; cents: bigint }, label: string): Promise<void> {
  const [actual] = await sql<{ count: number; cents: string | null }[]>`
    select count(*)::int as count, (sum(value) * 100)::bigint::text as cents from datapoints where metric_id = ${fixture.metricId}`;
  if (actual?.count !== expected.count || BigInt(actual.cents ?? '0') !== expected.cents) {
    throw new Error(`${label}: the table holds ${actual?.count} rows summing to ${actual?.cents} cents, expected ${expected.count} rows summing to ${expected.cents}`);
  }
}

/** Same starting point for every run: the table empty or holding the base series, vacuumed, checkpointed. */
async function resetTable(
  sql: postgres.Sql,
  fixture: MetricFixture,
  prior: Scenario['prior'],
  dates: string[],
  baseCents: number[],
  canCheckpoint: boolean,
): Promise<void> {
  await sql`truncate datapoints, staged_datapoints, import_runs cascade`;
  if (prior === 'base') {
    const values = baseCents.map(centsToDecimal);
    await sql`
      insert into datapoints (metric_id, date, value, import_run_id)
      select ${fixture.metricId}, d, v, ${randomUUID()}
      from unnest(${sql.array(dates)}::date[], ${sql.array(values)}::numeric[]) as t(d, v)`;
  }
  await sql`vacuum (analyze) datapoints, staged_datapoints, import_runs`;
  if (canCheckpoint) await sql`checkpoint`;
}

async function tryCheckpoint(sql: postgres.Sql): Promise<boolean> {
  try {
    await sql`checkpoint`;
    return true;
  } catch {
    return false;
  }
}

async function walPosition(sql: postgres.Sql): Promise<string> {
  const [row] = await sql<{ lsn: string }[]>`select pg_current_wal_insert_lsn()::text as lsn`;
  return row!.lsn;
}

async function walSince(sql: postgres.Sql, before: string): Promise<number> {
  const [row] = await sql<{ bytes: string }[]>`select pg_wal_lsn_diff(pg_current_wal_insert_lsn(), ${before}::pg_lsn)::bigint::text as bytes`;
  return Number(row!.bytes);
}

function formatScale(scale: number): string {
  return Number.isInteger(scale) ? String(scale) : scale.toFixed(1);
}
