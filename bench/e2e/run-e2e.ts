import { loadConfig, workerTuningFrom, type WorkerTuning } from '../../src/config/env';
import type { Cleanup } from '../cleanup';
import { step } from '../progress';
import { measureApiReads, type ApiFigures } from './api-load';
import { measurePipelineBackfill, type BackfillFigures } from './backfill';
import { measureDailyCycle, type DailyFigures } from './daily';
import { workerScalingScenario, type E2eOptions } from './options';
import { measurePlainScriptBackfill, type PlainScriptFigures } from './plain-script';
import { startE2eStack, type E2eStackOptions } from './stack';
import { measureSteadyState, type SteadyFigures } from './steady';
import { measureWorkerScaling, type WorkerRound } from './workers';

export interface BackfillComparison {
  delayMs: number;
  pipeline: BackfillFigures;
  plainScript: PlainScriptFigures;
  /** Pipeline time ÷ plain-script time. */
  ratio: number;
}

export interface E2eResults {
  options: E2eOptions;
  tuning: WorkerTuning;
  infrastructure: string;
  backfill?: BackfillComparison[];
  /** The metrics the daily cycle used came from this backfill when scenario 1 did not run. */
  dailySetup?: BackfillFigures;
  daily?: DailyFigures;
  steady?: SteadyFigures;
  api?: ApiFigures;
  workers?: WorkerRound[];
}

/** Runs the chosen end-to-end scenarios on one stack, in order: backfill, daily, steady, API. */
export async function runE2e(
  options: E2eOptions,
  cleanup: Cleanup,
  infrastructure: Pick<E2eStackOptions, 'databaseUrl' | 'databaseServerUrl' | 'temporalAddress'> = {},
  /** Called after each measurement with the figures so far, so a long run that fails later keeps them. */
  onFigures: (results: E2eResults) => Promise<void> = () => Promise.resolve(),
): Promise<E2eResults> {
  const tuning = workerTuningFrom(loadConfig());
  const workerProcesses = options.scenarios.includes(workerScalingScenario);
  if (workerProcesses && infrastructure.temporalAddress) {
    throw new Error(`${workerScalingScenario} needs a Temporal server of its own: its workers poll the production task queue`);
  }
  const stack = await step('starting the stack (Postgres, Temporal, emulator, worker, API)', () =>
    startE2eStack({ cleanup, looks: options.looks, days: options.days, tuning, workerProcesses, ...infrastructure }),
  );
  const results: E2eResults = { options, tuning, infrastructure: stack.infrastructure };
  if (workerProcesses) {
    results.workers = await measureWorkerScaling(stack, {
      workerCounts: options.workerCounts,
      metrics: options.metrics,
      looks: options.looks,
      delayMs: options.delaysMs[0] ?? 0,
      clients: options.clients,
    });
    return results;
  }
  const has = (name: E2eOptions['scenarios'][number]) => options.scenarios.includes(name);
  const common = { metrics: options.metrics, looks: options.looks };

  let dailyMetricIds: string[] | undefined;
  if (has('e2e-backfill')) {
    results.backfill = [];
    for (const delayMs of options.delaysMs) {
      const pipeline = await measurePipelineBackfill(stack, { ...common, delayMs, clients: options.clients, prefix: `backfill ${delayMs}ms #` });
      const plainScript = await measurePlainScriptBackfill(stack, {
        ...common,
        delayMs,
        concurrency: options.cap ?? tuning.maxConcurrentActivityTaskExecutions,
        prefix: `plain ${delayMs}ms #`,
      });
      const { metricIds, ...figures } = pipeline;
      dailyMetricIds ??= metricIds;
      results.backfill.push({ delayMs, pipeline: figures, plainScript, ratio: figures.elapsedMs / plainScript.elapsedMs });
      await onFigures(results);
    }
  }
  if (has('e2e-daily')) {
    if (!dailyMetricIds) {
      const { metricIds, ...setup } = await measurePipelineBackfill(stack, { ...common, delayMs: 0, clients: options.clients, prefix: 'daily setup #' });
      results.dailySetup = setup;
      dailyMetricIds = metricIds;
    }
    results.daily = await measureDailyCycle(stack, { metricIds: dailyMetricIds, mode: options.dailyMode, delayMs: options.delaysMs[0] ?? 0 });
    await onFigures(results);
  }
  if (has('e2e-steady')) {
    results.steady = await measureSteadyState(stack, {
      idle: options.idle,
      looks: options.looks,
      samples: options.samples,
      windowSeconds: options.idleWindowSeconds,
      prefix: 'steady ',
    });
    await onFigures(results);
  }
  if (has('e2e-api')) {
    results.api = await measureApiReads(stack, { years: options.apiYears, connections: options.apiConnections, seconds: options.apiSeconds, rounds: options.apiRounds });
  }
  return results;
}
