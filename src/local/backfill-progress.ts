import { count } from 'drizzle-orm';
import type { Db } from '../db/client';
import { metrics, metricStates, type MetricState } from '../db/schema';
import type { Logger } from '../logger';

export type StateCounts = Record<MetricState, number>;

export interface ProgressLine {
  done: number;
  total: number;
  needsAttention: number;
  elapsedSeconds: number;
  finished: boolean;
}

/**
 * Turns successive counts of metrics by state into progress through a backfill burst: from the
 * moment some metric is backfilling until none is. Metrics settled before the burst are not counted.
 */
export class BackfillProgress {
  private burst: { settledBefore: number; startedAtMs: number } | undefined;

  observe(counts: StateCounts, nowMs: number): ProgressLine | undefined {
    const total = metricStates.reduce((sum, state) => sum + counts[state], 0);
    const settled = total - counts.backfilling;
    if (!this.burst) {
      if (counts.backfilling === 0) return undefined;
      this.burst = { settledBefore: settled, startedAtMs: nowMs };
    }
    const done = Math.max(0, settled - this.burst.settledBefore);
    const line: ProgressLine = {
      done,
      total: done + counts.backfilling,
      needsAttention: counts.needs_attention,
      elapsedSeconds: Math.round((nowMs - this.burst.startedAtMs) / 1000),
      finished: counts.backfilling === 0,
    };
    if (line.finished) this.burst = undefined;
    return line;
  }
}

export function describeProgress(line: ProgressLine): string {
  const attention = line.needsAttention > 0 ? `, ${line.needsAttention} need attention` : '';
  if (line.finished) return `backfill finished: ${line.done} metrics in ${line.elapsedSeconds} s${attention}`;
  const percent = line.total === 0 ? 0 : Math.floor((line.done / line.total) * 100);
  return `backfill ${line.done}/${line.total} metrics (${percent}%) after ${line.elapsedSeconds} s${attention}`;
}

export async function countMetricsByState(db: Db): Promise<StateCounts> {
  const rows = await db.select({ state: metrics.state, n: count() }).from(metrics).groupBy(metrics.state);
  const counts = Object.fromEntries(metricStates.map((state) => [state, 0])) as StateCounts;
  for (const row of rows) counts[row.state] = row.n;
  return counts;
}

/**
 * Local mode's progress line: while metrics are backfilling, one log line every `intervalMs`
 * (readable on a terminal with LOG_FORMAT=auto), and one when the burst is over.
 */
export function startBackfillProgress(options: {
  countStates: () => Promise<StateCounts>;
  logger: Logger;
  intervalMs: number;
  now?: () => number;
}): { stop(): void } {
  const progress = new BackfillProgress();
  const now = options.now ?? Date.now;
  let polling = false;
  const timer = setInterval(() => {
    if (polling) return;
    polling = true;
    options
      .countStates()
      .then((counts) => {
        const line = progress.observe(counts, now());
        if (line) options.logger.info({ progress: line }, describeProgress(line));
      })
      .catch((error: unknown) => options.logger.debug({ err: error }, 'backfill progress: could not count metrics'))
      .finally(() => {
        polling = false;
      });
  }, options.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
