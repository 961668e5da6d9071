import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import { importRuns, metrics, stagedDatapoints, type ImportRunKind } from '../db/schema';
import { nextImportAt } from '../shared/schedule';
import type { CarriedState, ImportKind, ImportSchedule, MetricState } from '../shared/types';
import type { Db } from '../db/client';
import type { ActivityDeps } from './deps';
import { metricGone, translated } from './failures';

const abandonedRunMessage = 'The import was abandoned (its workflow was terminated, reset or restarted) and never finished.';

/** Bookkeeping the API reads: metric state, schedule and the import-run history. */
export function createBookkeepingActivities({ db, logger, prometheus }: ActivityDeps) {
  return {
    /** The first run's schedule and pause flag, from the metric row. */
    loadMetricSchedule({ metricId }: { metricId: string }): Promise<Pick<CarriedState, 'schedule' | 'paused'>> {
      return translated(logger, 'loadMetricSchedule', async () => {
        const [metric] = await db.select().from(metrics).where(eq(metrics.id, metricId));
        if (!metric) throw metricGone(metricId);
        return {
          schedule: { importTime: metric.importTime, timeZone: metric.timeZone },
          paused: metric.state === 'paused',
        };
      });
    },

    /**
     * Records the start of an import with a snapshot of the source config, and the metric state the
     * workflow publishes with it; idempotent by run id.
     */
    startImportRun(input: ImportRunStart & { metricState: MetricState }): Promise<{ integrationId: string }> {
      return translated(logger, 'startImportRun', () => recordImportRunStart(db, input));
    },

    finishImportRun(input: ImportRunFinish): Promise<void> {
      return translated(logger, 'finishImportRun', async () => {
        const closed = await recordImportRunFinish(db, input);
        if (closed) prometheus.imports.inc({ kind: closed, outcome: input.succeeded ? 'succeeded' : 'failed' });
      });
    },

    saveMetricState(input: {
      metricId: string;
      state?: MetricState;
      schedule?: ImportSchedule;
      nextImportAt?: string | null;
      lastError?: string | null;
    }): Promise<void> {
      return translated(logger, 'saveMetricState', async () => {
        await db
          .update(metrics)
          .set({
            ...(input.state ? { state: input.state } : {}),
            ...(input.lastError !== undefined ? { lastError: input.lastError } : {}),
            ...(input.schedule ? { importTime: input.schedule.importTime, timeZone: input.schedule.timeZone } : {}),
            ...(input.nextImportAt !== undefined ? { nextImportAt: input.nextImportAt === null ? null : new Date(input.nextImportAt) } : {}),
            updatedAt: new Date(),
          })
          .where(and(eq(metrics.id, input.metricId)));
      });
    },

    /** Runs as a local activity: the instant lands in history, so tzdata changes cannot alter replay. */
    computeNextImportAt(input: { afterMs: number; schedule: ImportSchedule }): Promise<{ atMs: number }> {
      return Promise.resolve({ atMs: nextImportAt(input.afterMs, input.schedule) });
    },
  };
}

export interface ImportRunStart {
  importRunId: string;
  metricId: string;
  kind: ImportKind;
  scheduledFor: string;
  /** The workflow run importing, for the link to it in the Temporal UI; absent in older histories. */
  temporalRunId?: string;
}

/**
 * Records the start of an import with a snapshot of the source config, closing any run the
 * metric left open; idempotent by run id. Writes the metric state only when given: a start that
 * leaves the state as it is runs inside `acquireLookerToken` (docs/workflow.md, "Billable actions").
 */
export async function recordImportRunStart(db: Db, input: ImportRunStart & { metricState?: MetricState }): Promise<{ integrationId: string }> {
  const [metric] = await db.select().from(metrics).where(eq(metrics.id, input.metricId));
  if (!metric) throw metricGone(input.metricId);
  await db.transaction(async (tx) => {
    // One import per metric runs at a time, so any other run still open was abandoned (the
    // workflow was terminated, reset or restarted): close it and drop what it staged.
    const abandoned = await tx
      .update(importRuns)
      .set({ status: 'failed', finishedAt: sql`now()`, error: abandonedRunMessage })
      .where(and(eq(importRuns.metricId, metric.id), eq(importRuns.status, 'running'), ne(importRuns.id, input.importRunId)))
      .returning({ id: importRuns.id });
    if (abandoned.length > 0) {
      await tx.delete(stagedDatapoints).where(inArray(stagedDatapoints.importRunId, abandoned.map((run) => run.id)));
    }
    await tx
      .insert(importRuns)
      .values({
        id: input.importRunId,
        workspaceId: metric.workspaceId,
        metricId: metric.id,
        kind: input.kind,
        scheduledFor: new Date(input.scheduledFor),
        lookId: metric.lookId,
        dateField: metric.dateField,
        valueField: metric.valueField,
        configVersion: metric.configVersion,
        temporalRunId: input.temporalRunId ?? null,
      })
      .onConflictDoNothing();
    if (input.metricState) {
      await tx.update(metrics).set({ state: input.metricState, updatedAt: new Date() }).where(eq(metrics.id, metric.id));
    }
  });
  return { integrationId: metric.integrationId };
}

export interface ImportRunFinish {
  importRunId: string;
  succeeded: boolean;
  error?: string;
  metricState: MetricState;
  /**
   * The run's metric, for a failure before the run was recorded (its start rides in the login,
   * which can run out of time before Postgres answers): the state is written all the same.
   */
  metricId?: string;
}

/**
 * Closes the run and writes the metric state it leaves (and the next import, when given); idempotent.
 * Returns the run's kind when this call closed it, so a retry is not counted twice.
 */
export async function recordImportRunFinish(db: Db, input: ImportRunFinish, nextImport?: Date): Promise<ImportRunKind | undefined> {
  return db.transaction(async (tx) => {
    const [before] = await tx
      .select({ kind: importRuns.kind, status: importRuns.status })
      .from(importRuns)
      .where(eq(importRuns.id, input.importRunId))
      .for('update');
    const [run] = await tx
      .update(importRuns)
      .set({ status: input.succeeded ? 'succeeded' : 'failed', finishedAt: sql`coalesce(${importRuns.finishedAt}, now())`, error: input.error ?? null })
      .where(eq(importRuns.id, input.importRunId))
      .returning({ metricId: importRuns.metricId });
    const metricId = run?.metricId ?? input.metricId;
    const closed = before?.status === 'running' ? before.kind : undefined;
    if (metricId === undefined) return closed;
    // A failed run was never merged: what it staged would otherwise stay forever.
    await tx.delete(stagedDatapoints).where(eq(stagedDatapoints.importRunId, input.importRunId));
    await tx
      .update(metrics)
      .set({
        state: input.metricState,
        lastError: input.error ?? null,
        ...(input.succeeded ? { lastImportAt: new Date() } : {}),
        ...(nextImport ? { nextImportAt: nextImport } : {}),
        updatedAt: new Date(),
      })
      .where(eq(metrics.id, metricId));
    return closed;
  });
}

/** What the workflow asks `upsertDatapoints` to record when the merge succeeds. */
export interface ImportSuccess {
  metricState: MetricState;
  /** The schedule of the next import and the instant it counts from; absent while paused. */
  nextImport?: { afterMs: number; schedule: ImportSchedule };
}

/**
 * The bookkeeping of a merged import, run by `upsertDatapoints` after its merge: the run
 * succeeded, the metric's state, and the next import instant, which it returns so the workflow
 * needs neither a `finishImportRun` nor a next-import computation and save of its own. A schedule
 * this worker cannot compute is left to the workflow's local activity, which reports it.
 */
export async function recordImportSucceeded(
  db: Db,
  importRunId: string,
  success: ImportSuccess,
): Promise<{ next: { nextImportAtMs?: number }; closed: ImportRunKind | undefined }> {
  const atMs = success.nextImport ? computableNextImportAt(success.nextImport.afterMs, success.nextImport.schedule) : undefined;
  const closed = await recordImportRunFinish(db, { importRunId, succeeded: true, metricState: success.metricState }, atMs === undefined ? undefined : new Date(atMs));
  return { next: atMs === undefined ? {} : { nextImportAtMs: atMs }, closed };
}

function computableNextImportAt(afterMs: number, schedule: ImportSchedule): number | undefined {
  try {
    return nextImportAt(afterMs, schedule);
  } catch {
    return undefined;
  }
}
