// The fault suite (`npm run test:faults`, docs/reliability.md "Fault suite"): an undisturbed run of
// the batch, then each scenario imports the same batch under its faults and compares every metric's
// datapoints with the undisturbed run. Prints the table; exits non-zero unless every count is 0.
// FAULTS_PROFILE=short shortens the faults' durations; FAULTS_SCENARIOS=a,b runs only those.
import os from 'node:os';
import { readReference, startBatch } from './batch';
import { startFaultStack } from './fault-stack';
import { createProgress } from './progress';
import { formatTable, passed, type ScenarioRow } from './report';
import type { FaultTimings } from './scenario';
import { scenarios } from './scenarios';
import { stopWorkers } from './worker-signals';

const profiles: Record<string, FaultTimings> = {
  full: { postgresDownMs: 10_000, temporalDownMs: 10_000, flakyLookerMs: 90_000, lookerTimeoutSeconds: 15, finishTimeoutMs: 660_000 },
  short: { postgresDownMs: 5_000, temporalDownMs: 5_000, flakyLookerMs: 30_000, lookerTimeoutSeconds: 10, finishTimeoutMs: 660_000 },
};

async function main(): Promise<number> {
  const profileName = process.env.FAULTS_PROFILE ?? 'full';
  const timings = profiles[profileName];
  if (!timings) throw new Error(`FAULTS_PROFILE: "${profileName}" is not one of ${Object.keys(profiles).join(', ')}`);
  const wanted = process.env.FAULTS_SCENARIOS?.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = wanted?.filter((name) => !scenarios.some((scenario) => scenario.name === name)) ?? [];
  if (unknown.length > 0) throw new Error(`FAULTS_SCENARIOS: unknown ${unknown.join(', ')} (known: ${scenarios.map((s) => s.name).join(', ')})`);
  const selected = scenarios.filter((scenario) => !wanted || wanted.includes(scenario.name));

  const startedAt = Date.now();
  const progress = createProgress();
  progress.step(`profile ${profileName}: ${selected.map((s) => s.name).join(', ')}; ${machine()}`);
  const stack = await startFaultStack(progress);
  const rows: ScenarioRow[] = [];
  try {
    const referenceProgress = progress.scope('undisturbed run');
    const batch = await startBatch(stack, { name: 'reference' });
    const worker = await stack.startWorker({ taskQueue: batch.taskQueue });
    try {
      referenceProgress.step('creating the metrics');
      await batch.createMetrics();
      const state = await batch.waitUntilFinished({ timeoutMs: timings.finishTimeoutMs, onProgress: referenceProgress });
      if (state.finished !== state.total) throw new Error(`the undisturbed run finished only ${state.finished} of ${state.total} metrics`);
    } finally {
      await stopWorkers([worker]);
    }
    const reference = await readReference(stack, batch.metrics);
    await batch.close();
    const datapoints = [...reference.values()].reduce((sum, series) => sum + series.size, 0);
    referenceProgress.step(`${reference.size} series, ${datapoints} datapoints`);

    for (const scenario of selected) {
      const scoped = progress.scope(scenario.name);
      scoped.step(scenario.title);
      const scenarioStart = Date.now();
      try {
        const result = await scenario.run({ stack, reference, progress: scoped, timings });
        rows.push({ scenario: scenario.name, ...result, seconds: Math.round((Date.now() - scenarioStart) / 1000) });
      } catch (error) {
        rows.push({ scenario: scenario.name, seconds: Math.round((Date.now() - scenarioStart) / 1000), error: error instanceof Error ? error.message : String(error) });
      }
      scoped.step(passed(rows.at(-1)!) ? 'passed' : 'FAILED');
    }
  } finally {
    await stack.stop();
  }
  process.stdout.write(`\n${formatTable(rows)}\n\nprofile ${profileName}, ${Math.round((Date.now() - startedAt) / 1000)} s in all; ${machine()}\n`);
  return rows.every(passed) ? 0 : 1;
}

/** The figures depend on the machine and what else runs on it: both go with the table. */
function machine(): string {
  const load = os.loadavg().map((value) => value.toFixed(1)).join(' ');
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, load average ${load}`;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`fault suite failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
