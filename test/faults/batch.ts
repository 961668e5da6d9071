import { sql } from 'drizzle-orm';
import { createWorkspaceWithKey } from '../../src/db/repositories/workspaces';
import { metricWorkflowId } from '../../src/shared/ids';
import { importTimeAhead } from '../helpers/test-clock';
import { emulatorCredentials } from '../helpers/test-stack';
import { faultBatch, seriesKey, type SeriesSpec } from './fault-seed';
import { sleep, type BatchApi, type FaultStack } from './fault-stack';
import type { Progress } from './progress';

export interface BatchMetric {
  id: string;
  series: SeriesSpec;
}

/** Every stored datapoint of a series in the undisturbed run, by date. */
export type Reference = Map<string, Map<string, string>>;

export interface BatchProgress {
  total: number;
  finished: number;
  running: number;
  failedRuns: number;
  needsAttention: number;
}

/**
 * The fault suite's batch in a workspace of its own: an integration (direct to the emulator, or
 * through the proxy) and, on `createMetrics`, one metric per series of the fault seed, created
 * through the API like a client would, which starts each metric's backfill on the batch's task queue.
 */
export interface Batch {
  taskQueue: string;
  workspaceId: string;
  metrics: BatchMetric[];
  /** All at once (`concurrency` at a time), or one by one spread evenly over `spreadOverMs`. */
  createMetrics(options?: { concurrency?: number; spreadOverMs?: number }): Promise<void>;
  /**
   * Makes `metrics` the workspace's metric rows: after creates that got no answer, a metric is one
   * with a row, whether or not its client heard of it.
   */
  adoptStoredMetrics(): Promise<void>;
  progress(): Promise<BatchProgress>;
  /** Polls until every metric finished its backfill (or the deadline); reports the unfinished. */
  waitUntilFinished(options: { timeoutMs: number; onProgress?: Progress; until?: (state: BatchProgress) => boolean }): Promise<BatchProgress>;
  /**
   * Stops the batch's workflows and API and deletes its workspace, so that no later API process's
   * reconciler starts those workflows again. Compare before.
   */
  close(): Promise<void>;
}

/** `api`: the batch's API if not one in the suite's process on a task queue of its own. */
export async function startBatch(stack: FaultStack, options: { name: string; viaProxy?: boolean; api?: BatchApi }): Promise<Batch> {
  const db = stack.services.database.db;
  const { workspaceId, apiKey } = await createWorkspaceWithKey(db, { name: `fault suite: ${options.name}` });
  const api: BatchApi = options.api ?? (await stack.startApi(`faults-${options.name}-${Date.now()}`));
  const call = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { id?: string } };
  };
  const integration = await call('POST', '/v1/integrations', {
    name: `Fault suite Looker (${options.name})`,
    apiEndpoint: options.viaProxy ? stack.proxy.url : stack.emulator.url,
    ...emulatorCredentials,
  });
  if (integration.status !== 201 || !integration.body.id) throw new Error(`creating the integration answered ${integration.status}: ${JSON.stringify(integration.body)}`);
  const integrationId = integration.body.id;
  // No scheduled import comes due while the suite runs: only the backfills.
  const importTime = importTimeAhead(Date.now(), 'UTC');
  const metrics: BatchMetric[] = [];

  // Creating a metric checks its fields in Looker, so a Looker outage answers 503 (or 429): a
  // client tries again a little later, as this one does.
  const createMetric = async (series: SeriesSpec) => {
    for (let attempt = 1; ; attempt++) {
      const created = await call('POST', '/v1/metrics', {
        name: `${series.timeframe} ${series.valueField} (Look ${series.lookId})`,
        integrationId,
        lookId: series.lookId,
        dateField: series.dateField,
        valueField: series.valueField,
        importTime,
        timeZone: 'UTC',
      });
      if (created.status === 202 && created.body.id) {
        metrics.push({ id: created.body.id, series });
        return;
      }
      if (![429, 503].includes(created.status) || attempt === 10) {
        throw new Error(`creating a metric answered ${created.status}: ${JSON.stringify(created.body)}`);
      }
      await sleep(1_000);
    }
  };

  const progress = async (): Promise<BatchProgress> => {
    const rows = await db.execute<{ state: string; ok: string; failed: string; running: string }>(sql`
      select m.state,
        count(r.id) filter (where r.status = 'succeeded') as ok,
        count(r.id) filter (where r.status = 'failed') as failed,
        count(r.id) filter (where r.status = 'running') as running
      from metrics m left join import_runs r on r.metric_id = m.id
      where m.workspace_id = ${workspaceId}
      group by m.id, m.state`);
    const finished = rows.filter((row) => row.state === 'active' && Number(row.ok) > 0 && Number(row.running) === 0).length;
    return {
      total: metrics.length,
      finished,
      running: rows.filter((row) => Number(row.running) > 0).length,
      failedRuns: rows.reduce((sum, row) => sum + Number(row.failed), 0),
      needsAttention: rows.filter((row) => row.state === 'needs_attention').length,
    };
  };

  return {
    taskQueue: api.taskQueue,
    workspaceId,
    metrics,
    createMetrics: async ({ concurrency = 6, spreadOverMs } = {}) => {
      const queue = [...faultBatch];
      if (spreadOverMs !== undefined) {
        // One after another, the i-th due at i/n of the period: imports start all through it.
        const start = Date.now();
        for (const [index, series] of queue.entries()) {
          await sleep(start + (index * spreadOverMs) / queue.length - Date.now());
          await createMetric(series);
        }
        return;
      }
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          for (let series = queue.shift(); series; series = queue.shift()) await createMetric(series);
        }),
      );
    },
    adoptStoredMetrics: async () => {
      const rows = await db.execute<{ id: string; look_id: string; value_field: string }>(
        sql`select id, look_id, value_field from metrics where workspace_id = ${workspaceId} order by created_at`,
      );
      const bySeries = new Map(faultBatch.map((series) => [seriesKey(series), series]));
      metrics.splice(
        0,
        metrics.length,
        ...rows.map((row) => {
          const series = bySeries.get(seriesKey({ lookId: row.look_id, valueField: row.value_field }));
          if (!series) throw new Error(`metric ${row.id} is of no series of the batch`);
          return { id: row.id, series };
        }),
      );
    },
    progress,
    waitUntilFinished: async ({ timeoutMs, onProgress, until }) => {
      const deadline = Date.now() + timeoutMs;
      let last = '';
      let lastPrinted = 0;
      let state: BatchProgress = { total: metrics.length, finished: 0, running: 0, failedRuns: 0, needsAttention: 0 };
      const done = until ?? ((s: BatchProgress) => s.finished === s.total);
      for (;;) {
        try {
          state = await progress();
        } catch {
          // Postgres may be down on purpose: keep the last known state and poll again.
        }
        const trouble = [state.failedRuns > 0 ? `${state.failedRuns} runs failed` : '', state.needsAttention > 0 ? `${state.needsAttention} need attention` : ''];
        const line = [`${state.finished}/${state.total} metrics imported, ${state.running} importing`, ...trouble].filter(Boolean).join(', ');
        if (onProgress && line !== last && Date.now() - lastPrinted > 5_000) {
          onProgress.step(line);
          last = line;
          lastPrinted = Date.now();
        }
        const crashed = stack.crashedWorkers();
        if (crashed.length > 0) throw new Error(`${crashed.join('; ')}: the scenario cannot finish without it`);
        if (done(state) || Date.now() > deadline) return state;
        await sleep(1_000);
      }
    },
    close: async () => {
      await Promise.all(
        metrics.map((metric) =>
          stack.client.workflow
            .getHandle(metricWorkflowId(metric.id))
            .terminate('fault suite done')
            .catch(() => undefined),
        ),
      );
      await api.close();
      await db.execute(sql`delete from workspaces where id = ${workspaceId}`);
    },
  };
}

/** The stored datapoints of one metric, every row as read (a duplicated date would appear twice). */
async function storedRows(stack: FaultStack, metricId: string): Promise<{ date: string; value: string }[]> {
  return stack.services.database.db.execute<{ date: string; value: string }>(
    sql`select date::text as date, value::text as value from datapoints where metric_id = ${metricId}`,
  );
}

/** The undisturbed run's datapoints, by series. */
export async function readReference(stack: FaultStack, metrics: readonly BatchMetric[]): Promise<Reference> {
  const reference: Reference = new Map();
  for (const metric of metrics) {
    reference.set(seriesKey(metric.series), new Map((await storedRows(stack, metric.id)).map((row) => [row.date, row.value])));
  }
  return reference;
}

export interface Comparison {
  compared: number;
  missing: number;
  duplicated: number;
  /** A different value on a date, or a date the undisturbed run does not have. */
  wrong: number;
}

/** Every metric's datapoints against the undisturbed run of its series, row by row. */
export async function compareWithReference(stack: FaultStack, metrics: readonly BatchMetric[], reference: Reference): Promise<Comparison> {
  const totals: Comparison = { compared: 0, missing: 0, duplicated: 0, wrong: 0 };
  for (const metric of metrics) {
    const expected = reference.get(seriesKey(metric.series));
    if (!expected) throw new Error(`no undisturbed run of ${seriesKey(metric.series)}`);
    const seen = new Map<string, number>();
    for (const row of await storedRows(stack, metric.id)) {
      const times = (seen.get(row.date) ?? 0) + 1;
      seen.set(row.date, times);
      if (times > 1) totals.duplicated++;
      else if (expected.get(row.date) !== row.value) totals.wrong++;
    }
    for (const date of expected.keys()) if (!seen.has(date)) totals.missing++;
    totals.compared += expected.size;
  }
  return totals;
}

/**
 * Import runs that hit trouble and still succeeded: the run's workflow history shows a retried
 * activity (attempt > 1), a failed or timed-out activity, or a failed or timed-out workflow task,
 * or the database holds a failed run before a succeeded one. Each metric here makes one import
 * (its backfill), so this counts metrics.
 */
export async function countRecoveredRuns(stack: FaultStack, metrics: readonly BatchMetric[]): Promise<number> {
  let recovered = 0;
  for (const metric of metrics) {
    const [runs] = await stack.services.database.db.execute<{ ok: string; failed: string }>(sql`
      select count(*) filter (where status = 'succeeded') as ok, count(*) filter (where status = 'failed') as failed
      from import_runs where metric_id = ${metric.id}`);
    if (!runs || Number(runs.ok) === 0) continue;
    const history = await stack.client.workflow.getHandle(metricWorkflowId(metric.id)).fetchHistory();
    const troubled = (history.events ?? []).some(
      (event) =>
        (event.activityTaskStartedEventAttributes?.attempt ?? 1) > 1 ||
        event.activityTaskFailedEventAttributes ||
        event.activityTaskTimedOutEventAttributes ||
        event.workflowTaskFailedEventAttributes ||
        event.workflowTaskTimedOutEventAttributes,
    );
    if (troubled || Number(runs.failed) > 0) recovered++;
  }
  return recovered;
}
