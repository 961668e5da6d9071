import type postgres from 'postgres';
import { note } from '../progress';
import type { E2eStack } from './stack';
import { delayLookRuns, lookerLoad, type LookerLoad } from './looker-load';
import { forEachConcurrently, waitUntil } from './pool';
import { withProgress } from './ticker';

export type DailyMode = 'schedule' | 'import-now';

export interface DailyFigures {
  metrics: number;
  mode: DailyMode;
  delayMs: number;
  /** The due instant (schedule: the import time; import-now: the first signal) → last import finished. */
  elapsedMs: number;
  /** Import-now: time to send every signal; schedule: time to move every schedule (before the due instant). */
  dispatchMs: number;
  succeeded: number;
  failed: number;
  looker: LookerLoad;
}

/** Messages to the workflows in flight at once. */
const dispatchConcurrency = 16;

/**
 * Scenario 2: the same metrics all due at one instant. `schedule` moves every metric's import time
 * to the same coming minute through the workflow gateway (the real scheduled path, as a daily
 * cycle runs); `import-now` signals every workflow at once (a manual import, which always runs the
 * Look afresh). Done when every metric has finished that import.
 */
export async function measureDailyCycle(
  stack: E2eStack,
  options: { metricIds: readonly string[]; mode: DailyMode; delayMs: number },
): Promise<DailyFigures> {
  const { sql } = stack.services.database;
  const control = stack.emulator.control;
  const ids = [...options.metricIds];
  const undoDelay = delayLookRuns(control, options.delayMs);
  try {
    const dispatchStarted = performance.now();
    let dueAtMs: number;
    let runs: RunFilter;
    if (options.mode === 'schedule') {
      // Far enough ahead that every schedule is moved before it; whole minutes, as import times are.
      const marginMs = Math.max(60_000, ids.length * 120);
      dueAtMs = Math.ceil((Date.now() + marginMs) / 60_000) * 60_000;
      const importTime = new Date(dueAtMs).toISOString().slice(11, 16);
      await forEachConcurrently(ids.length, dispatchConcurrency, async (i) => {
        await stack.gateway.updateSchedule(ids[i]!, { importTime, timeZone: 'UTC' });
      });
      if (Date.now() > dueAtMs - 2_000) throw new Error('moving the schedules took longer than the margin before the due instant; rerun with fewer metrics');
      control.resetCounters();
      note(`daily cycle: ${ids.length} metrics due at ${new Date(dueAtMs).toISOString()} (in ${Math.round((dueAtMs - Date.now()) / 1000)} s)`);
      runs = { kind: 'scheduled', scheduledFor: new Date(dueAtMs).toISOString() };
    } else {
      control.resetCounters();
      dueAtMs = Date.now();
      await forEachConcurrently(ids.length, dispatchConcurrency, (i) => stack.gateway.importNow(ids[i]!));
      runs = { kind: 'manual', startedAfter: new Date(dueAtMs - 1_000).toISOString() };
    }
    const dispatchMs = performance.now() - dispatchStarted;
    let finished: FinishedRuns = { succeeded: 0, failed: 0, lastFinishedAtMs: undefined };
    await withProgress(
      `daily cycle (${options.mode})`,
      () => `${finished.succeeded + finished.failed}/${ids.length} imported; ${lookerLoad(control.counters()).lookRuns} Look runs`,
      () =>
        waitUntil(
          'every metric to finish its import',
          async () => {
            finished = await finishedRuns(sql, ids, runs);
            return finished.succeeded + finished.failed >= ids.length;
          },
          { intervalMs: 200, timeoutMs: 4 * 3_600_000 },
        ),
    );
    return {
      metrics: ids.length,
      mode: options.mode,
      delayMs: options.delayMs,
      elapsedMs: (finished.lastFinishedAtMs ?? Date.now()) - dueAtMs,
      dispatchMs,
      succeeded: finished.succeeded,
      failed: finished.failed,
      looker: lookerLoad(control.counters()),
    };
  } finally {
    undoDelay();
  }
}

type RunFilter = { kind: 'scheduled'; scheduledFor: string } | { kind: 'manual'; startedAfter: string };
interface FinishedRuns {
  succeeded: number;
  failed: number;
  lastFinishedAtMs: number | undefined;
}

async function finishedRuns(sql: postgres.Sql, ids: string[], filter: RunFilter): Promise<FinishedRuns> {
  const [row] = await sql<{ succeeded: number; failed: number; last: number | null }[]>`
    select count(*) filter (where status = 'succeeded')::int as succeeded,
           count(*) filter (where status = 'failed')::int as failed,
           (extract(epoch from max(finished_at)) * 1000)::float8 as last
    from import_runs
    where metric_id = any(${sql.array(ids)}::uuid[]) and kind = ${filter.kind} and finished_at is not null
      and ${filter.kind === 'scheduled' ? sql`scheduled_for = ${filter.scheduledFor}::timestamptz` : sql`started_at >= ${filter.startedAfter}::timestamptz`}`;
  return { succeeded: row?.succeeded ?? 0, failed: row?.failed ?? 0, lastFinishedAtMs: row?.last ?? undefined };
}
