import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackfillProgress, describeProgress, startBackfillProgress, type StateCounts } from '../../src/local/backfill-progress';
import type { Logger } from '../../src/logger';

const counts = (partial: Partial<StateCounts>): StateCounts => ({ backfilling: 0, active: 0, paused: 0, needs_attention: 0, ...partial });

describe('backfill progress', () => {
  it('says nothing while no metric is backfilling', () => {
    const progress = new BackfillProgress();
    expect(progress.observe(counts({ active: 40 }), 0)).toBeUndefined();
  });

  it('counts only the metrics of the burst, not those settled before it', () => {
    const progress = new BackfillProgress();
    expect(progress.observe(counts({ active: 40, backfilling: 1000 }), 0)).toEqual({ done: 0, total: 1000, needsAttention: 0, elapsedSeconds: 0, finished: false });
    const middle = progress.observe(counts({ active: 350, needs_attention: 2, backfilling: 688 }), 12_000)!;
    expect(middle).toEqual({ done: 312, total: 1000, needsAttention: 2, elapsedSeconds: 12, finished: false });
    expect(describeProgress(middle)).toBe('backfill 312/1000 metrics (31%) after 12 s, 2 need attention');
  });

  it('grows the total when metrics are created during the burst', () => {
    const progress = new BackfillProgress();
    progress.observe(counts({ backfilling: 10 }), 0);
    expect(progress.observe(counts({ active: 5, backfilling: 25 }), 1000)).toMatchObject({ done: 5, total: 30 });
  });

  it('reports the end once, then starts a new burst from the settled count', () => {
    const progress = new BackfillProgress();
    progress.observe(counts({ backfilling: 3 }), 0);
    const end = progress.observe(counts({ active: 3 }), 61_000)!;
    expect(end).toMatchObject({ done: 3, total: 3, finished: true });
    expect(describeProgress(end)).toBe('backfill finished: 3 metrics in 61 s');
    expect(progress.observe(counts({ active: 3 }), 62_000)).toBeUndefined();
    expect(progress.observe(counts({ active: 3, backfilling: 2 }), 63_000)).toMatchObject({ done: 0, total: 2, elapsedSeconds: 0 });
  });

  describe('the periodic line', () => {
    afterEach(() => vi.useRealTimers());

    it('logs a line per interval while backfilling and a last one when done', async () => {
      vi.useFakeTimers();
      const lines: string[] = [];
      const logger = { info: (_fields: unknown, message: string) => lines.push(message), debug: () => undefined } as unknown as Logger;
      const series = [counts({ backfilling: 2 }), counts({ active: 1, backfilling: 1 }), counts({ active: 2 }), counts({ active: 2 })];
      let clock = 0;
      const reporter = startBackfillProgress({ countStates: () => Promise.resolve(series.shift() ?? counts({ active: 2 })), logger, intervalMs: 5000, now: () => clock });
      for (let tick = 0; tick < 4; tick += 1) {
        clock += 5000;
        await vi.advanceTimersByTimeAsync(5000);
      }
      reporter.stop();
      expect(lines).toEqual(['backfill 0/2 metrics (0%) after 0 s', 'backfill 1/2 metrics (50%) after 5 s', 'backfill finished: 2 metrics in 10 s']);
    });
  });
});
