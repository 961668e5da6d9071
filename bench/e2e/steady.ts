import type postgres from 'postgres';
import { note } from '../progress';
import { importTimeFarAway } from './bench-metrics';
import { startIdleMetrics } from './idle-metrics';
import { countMetricDayActions, type MetricDayActions } from './metric-day';
import { waitUntil } from './pool';
import { measureIdleUsage, type ProcessUsage } from './process-usage';
import type { E2eStack } from './stack';
import { withProgress } from './ticker';

export interface SteadyFigures {
  idleMetrics: number;
  /** Saving the rows and starting every workflow until each has saved its next import time. */
  startMs: number;
  windowSeconds: number;
  /** This process (API, worker, emulator, bench) before the idle metrics existed, and with them. */
  before: ProcessUsage;
  after: ProcessUsage;
  rssMbPerThousandMetrics: number;
  workerCachedWorkflows: number;
  actions: MetricDayActions;
}

/**
 * Scenario 3: `idle` metrics waiting for tomorrow. The baseline is the same process just before
 * they were started. A few sample metrics due within two minutes go through one real scheduled
 * day, and their histories give the billable Temporal actions per metric-day.
 */
export async function measureSteadyState(
  stack: E2eStack,
  options: { idle: number; looks: number; samples: number; windowSeconds: number; prefix: string },
): Promise<SteadyFigures> {
  const { sql } = stack.services.database;
  const windowMs = options.windowSeconds * 1000;
  const before = await withProgress('steady state', () => 'measuring the process before the idle metrics', () => measureIdleUsage(windowMs));

  // Samples first, due at the first whole minute at least 75 s away, so they start before it.
  const dueAtMs = Math.ceil((Date.now() + 75_000) / 60_000) * 60_000;
  const samplePrefix = `${options.prefix}sample `;
  const sampleIds = await startIdleMetrics(stack, {
    count: options.samples,
    looks: options.looks,
    importTime: new Date(dueAtMs).toISOString().slice(11, 16),
    prefix: samplePrefix,
  });
  note(`steady state: ${options.samples} sample metrics due at ${new Date(dueAtMs).toISOString()}`);

  const began = performance.now();
  let started = 0;
  const idlePrefix = `${options.prefix}idle `;
  await withProgress(
    'steady state',
    async () => `${started}/${options.idle} idle workflows started, ${await waiting(sql, stack.workspaceId, idlePrefix)} waiting`,
    async () => {
      await startIdleMetrics(stack, { count: options.idle, looks: options.looks, importTime: importTimeFarAway(), prefix: idlePrefix, onStarted: () => started++ });
      await waitUntil('every idle metric to save its next import time', async () => (await waiting(sql, stack.workspaceId, idlePrefix)) >= options.idle, {
        intervalMs: 500,
        timeoutMs: 3_600_000,
      });
    },
  );
  const startMs = performance.now() - began;

  const actions = await withProgress('steady state', () => 'waiting for the sample metrics to finish their day', () =>
    countMetricDayActions(stack, sampleIds, { timeoutMs: dueAtMs - Date.now() + 10 * 60_000 }),
  );
  const after = await withProgress('steady state', () => 'measuring the process with the idle metrics', () => measureIdleUsage(windowMs));
  return {
    idleMetrics: options.idle,
    startMs,
    windowSeconds: options.windowSeconds,
    before,
    after,
    rssMbPerThousandMetrics: options.idle === 0 ? 0 : ((after.rssMb - before.rssMb) / options.idle) * 1000,
    workerCachedWorkflows: stack.tuning.maxCachedWorkflows,
    actions,
  };
}

async function waiting(sql: postgres.Sql, workspaceId: string, prefix: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from metrics
    where workspace_id = ${workspaceId} and starts_with(name, ${prefix}) and next_import_at is not null`;
  return row?.n ?? 0;
}
