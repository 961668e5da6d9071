import type { LookerLoad } from './looker-load';
import type { E2eResults } from './run-e2e';

const n = (value: number) => value.toLocaleString('en-US');
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const ms = (value: number) => `${value.toFixed(value >= 100 ? 0 : 1)} ms`;
const mb = (value: number) => `${value.toFixed(0)} MB`;

function looker(load: LookerLoad): string {
  return `${n(load.lookRuns)} Look runs (${n(load.fieldCheckRuns)} of them one-row field checks), ${n(load.logins)} logins, peak ${load.peakConcurrentRuns} concurrent Look runs`;
}

/** The end-to-end figures as text lines for stdout; every ratio is against a baseline of the same run. */
export function renderE2e(results: E2eResults): string[] {
  const { options: o, tuning: t } = results;
  const lines = [
    `end to end: ${results.infrastructure}; worker: ${t.maxConcurrentActivityTaskExecutions} concurrent activities, ${t.maxConcurrentWorkflowTaskExecutions} workflow tasks, sticky cache ${n(t.maxCachedWorkflows)}`,
  ];
  for (const b of results.backfill ?? []) {
    const p = b.pipeline;
    lines.push(
      '',
      `e2e-backfill: ${n(p.metrics)} metrics over ${n(p.looks)} Looks of ${n(o.days)} days, Look runs delayed ${b.delayMs} ms, ${o.clients} API clients`,
      `  pipeline:     ${s(p.elapsedMs)} first create → last datapoint (creates ${s(p.createPhaseMs)}, p50 ${ms(p.createP50Ms)}, p99 ${ms(p.createP99Ms)}); states ${JSON.stringify(p.states)}; ${n(p.datapoints)} datapoints`,
      `                ${looker(p.looker)}`,
      `  plain script: ${s(b.plainScript.elapsedMs)} (${b.plainScript.concurrency} at a time, no Temporal, no API); ${n(b.plainScript.datapoints)} datapoints`,
      `                ${looker(b.plainScript.looker)}`,
      `  ratio:        ${b.ratio.toFixed(2)}× the plain script`,
    );
  }
  if (results.dailySetup) lines.push('', `e2e-daily setup: ${n(results.dailySetup.metrics)} metrics backfilled first in ${s(results.dailySetup.elapsedMs)}`);
  if (results.daily) {
    const d = results.daily;
    lines.push(
      '',
      `e2e-daily (${d.mode}): ${n(d.metrics)} metrics due at one instant, Look runs delayed ${d.delayMs} ms`,
      `  ${s(d.elapsedMs)} due → last import finished (${n(d.succeeded)} succeeded, ${n(d.failed)} failed); ${d.mode === 'schedule' ? 'moving the schedules' : 'sending the signals'} took ${s(d.dispatchMs)}`,
      `  ${looker(d.looker)}`,
    );
  }
  if (results.steady) {
    const st = results.steady;
    lines.push(
      '',
      `e2e-steady: ${n(st.idleMetrics)} idle metrics waiting for tomorrow (started and waiting in ${s(st.startMs)})`,
      `  process before: RSS ${mb(st.before.rssMb)}, heap ${mb(st.before.heapUsedMb)}, CPU ${st.before.cpuPercent.toFixed(1)}% of a core over ${st.windowSeconds} s`,
      `  process with:   RSS ${mb(st.after.rssMb)}, heap ${mb(st.after.heapUsedMb)}, CPU ${st.after.cpuPercent.toFixed(1)}% of a core; ${(st.rssMbPerThousandMetrics).toFixed(1)} MB RSS per 1,000 idle metrics (sticky cache ${n(st.workerCachedWorkflows)})`,
      `  billable Temporal actions per metric-day: ${st.actions.perMetricDay} (median of ${st.actions.sampleMetrics} metrics living one scheduled day) ${JSON.stringify(st.actions.byKind)}`,
    );
  }
  if (results.api) {
    const a = results.api;
    lines.push(
      '',
      `e2e-api: GET /v1/metrics/{id}/datapoints, ${n(a.datapoints)} datapoints (${(a.responseBytes / 1000).toFixed(0)} kB) per request, ${a.connections} concurrent, ${a.seconds} s each`,
      `  ours:       ${a.ours.requestsPerSecond.toFixed(0)} req/s (${n(Math.round(a.ours.requestsPerSecond * a.datapoints))} datapoints/s), p50 ${ms(a.ours.p50Ms)}, p99 ${ms(a.ours.p99Ms)}`,
      `  bare Hono:  ${a.bare.requestsPerSecond.toFixed(0)} req/s, p50 ${ms(a.bare.p50Ms)}, p99 ${ms(a.bare.p99Ms)} (the same bytes, no auth, no database)`,
      `  ratio:      p99 ${a.p99Ratio.toFixed(2)}× the bare route's; throughput ${a.throughputRatio.toFixed(2)}× the bare route's`,
    );
  }
  for (const round of results.workers ?? []) {
    const b = round.backfill;
    if (round === results.workers![0]) {
      lines.push('', `e2e-workers: ${n(b.metrics)} metrics over ${n(b.looks)} Looks per round, Look runs delayed ${b.delayMs} ms, production worker processes (src/cli/worker.ts)`);
    }
    lines.push(
      `  ${round.workers} worker${round.workers === 1 ? ' ' : 's'}: ${s(b.elapsedMs)}, ${round.metricsPerSecond.toFixed(1)} metrics/s, ${round.speedup.toFixed(2)}× one worker; states ${JSON.stringify(b.states)}; ${looker(b.looker)}`,
    );
  }
  return lines;
}
