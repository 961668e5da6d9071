import { compareWithReference, countRecoveredRuns, type Batch, type Comparison, type Reference } from './batch';
import type { FaultStack } from './fault-stack';
import type { Progress } from './progress';

/** How long the suite's faults last; see docs/reliability.md, "Fault suite". */
export interface FaultTimings {
  /** How long Postgres stays down. */
  postgresDownMs: number;
  /** How long the Temporal dev server stays down. */
  temporalDownMs: number;
  /** How long Looker answers a third of the calls with 503 or 429. */
  flakyLookerMs: number;
  /** LOOKER_TIMEOUT_SECONDS of the workers that meet the hung Look run. */
  lookerTimeoutSeconds: number;
  /** How long a scenario may take to finish its imports once its faults are over. */
  finishTimeoutMs: number;
}

export interface ScenarioContext {
  stack: FaultStack;
  reference: Reference;
  progress: Progress;
  timings: FaultTimings;
}

export interface ScenarioResult extends Comparison {
  metrics: number;
  /** Import runs that met a failure (a retried or timed-out activity or task) and still succeeded. */
  recovered: number;
  /** Metrics whose import had not succeeded by the deadline. */
  unfinished: number;
  /** What the scenario did, for the table's notes. */
  notes: string;
}

/** One fault scenario: a module in test/faults/scenarios, listed in scenarios/index.ts. */
export interface Scenario {
  name: string;
  title: string;
  run(context: ScenarioContext): Promise<ScenarioResult>;
}

/** Waits for the batch's imports, then compares every metric with the undisturbed run. */
export async function finishAndCompare(context: ScenarioContext, batch: Batch, notes: string): Promise<ScenarioResult> {
  const { stack, progress } = context;
  progress.step('waiting for every import to finish');
  const state = await batch.waitUntilFinished({ timeoutMs: context.timings.finishTimeoutMs, onProgress: progress });
  progress.step(`${state.finished}/${state.total} metrics imported; comparing every datapoint with the undisturbed run`);
  const comparison = await compareWithReference(stack, batch.metrics, context.reference);
  const recovered = await countRecoveredRuns(stack, batch.metrics);
  return { metrics: batch.metrics.length, ...comparison, recovered, unfinished: state.total - state.finished, notes };
}
