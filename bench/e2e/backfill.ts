import type { E2eStack } from './stack';
import { datapointTotals, importTimeFarAway, metricProgress } from './bench-metrics';
import { delayLookRuns, forgetSharedLookResults, lookerLoad, type LookerLoad } from './looker-load';
import { metricSource } from './looks-seed';
import { forEachConcurrently, percentile, waitUntil } from './pool';
import { withProgress } from './ticker';

export interface BackfillFigures {
  metrics: number;
  looks: number;
  delayMs: number;
  /** First create sent → last datapoint written. */
  elapsedMs: number;
  /** First create sent → last create answered. */
  createPhaseMs: number;
  createP50Ms: number;
  createP99Ms: number;
  states: Record<string, number>;
  datapoints: number;
  looker: LookerLoad;
}

/**
 * Scenario 1, the service: `metrics` metrics created through the API by `clients` parallel
 * clients, each backfilling in its own workflow; done when none is left `backfilling`.
 */
export async function measurePipelineBackfill(
  stack: E2eStack,
  options: { metrics: number; looks: number; delayMs: number; clients: number; prefix: string },
): Promise<BackfillFigures & { metricIds: string[] }> {
  const { sql } = stack.services.database;
  const control = stack.emulator.control;
  await forgetSharedLookResults(stack.services.database.db, stack.integrationId);
  control.resetCounters();
  const undoDelay = delayLookRuns(control, options.delayMs);
  const importTime = importTimeFarAway();
  const metricIds: string[] = [];
  const createMs: number[] = [];
  try {
    const startedWall = Date.now();
    const started = performance.now();
    let createPhaseMs = 0;
    const status = async () => {
      const progress = await metricProgress(sql, stack.workspaceId, options.prefix);
      const load = lookerLoad(control.counters());
      return `${metricIds.length}/${options.metrics} created, ${progress.total - progress.backfilling} done; ${load.lookRuns} Look runs, ${control.counters().runsInFlight} in flight`;
    };
    await withProgress(`backfill (pipeline, ${options.delayMs} ms)`, status, async () => {
      await forEachConcurrently(options.metrics, options.clients, async (i) => {
        const began = performance.now();
        const metric = await stack.api.call<{ id: string }>('POST', '/v1/metrics', {
          name: `${options.prefix}${i}`,
          integrationId: stack.integrationId,
          ...metricSource(i, options.looks),
          importTime,
          timeZone: 'UTC',
        });
        createMs.push(performance.now() - began);
        metricIds.push(metric.id);
      });
      createPhaseMs = performance.now() - started;
      await waitUntil(
        'every metric to leave backfilling',
        async () => (await metricProgress(sql, stack.workspaceId, options.prefix)).backfilling === 0,
        { timeoutMs: 4 * 3_600_000 },
      );
    });
    const totals = await datapointTotals(sql, stack.workspaceId, options.prefix);
    const progress = await metricProgress(sql, stack.workspaceId, options.prefix);
    return {
      metrics: options.metrics,
      looks: options.looks,
      delayMs: options.delayMs,
      elapsedMs: (totals.lastWrittenAtMs ?? Date.now()) - startedWall,
      createPhaseMs,
      createP50Ms: percentile(createMs, 50),
      createP99Ms: percentile(createMs, 99),
      states: progress.byState,
      datapoints: totals.datapoints,
      looker: lookerLoad(control.counters()),
      metricIds,
    };
  } finally {
    undoDelay();
  }
}
