import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  TimeoutFailure,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { FailureType, isNonRetryableFailureType, nonRetryableFailureTypes } from '../shared/failure-types';
import { replaceVerdict } from '../shared/full-import';
import { getStatus, importNow, pause, resume, stop, updateSchedule, updateSourceConfig } from '../shared/messages';
import { canonicalTimeZone, parseImportTime } from '../shared/schedule';
import { ImportStateKey } from '../shared/search-attributes';
import type {
  CarriedState,
  ImportKind,
  ImportSchedule,
  LastImport,
  MetricHealth,
  MetricState,
  MetricStatus,
  MetricWorkflowInput,
  ScheduleChange,
  SourceConfigChange,
} from '../shared/types';

// Timeouts and retries, one group per kind of work (the table in docs/workflow.md mirrors this).

const nonRetryableErrorTypes = [...nonRetryableFailureTypes];

/** Database bookkeeping: quick; retried until Postgres answers (it is our own dependency). */
const bookkeeping = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes },
});

/** Checks behind an update: the caller waits for the answer, so few attempts. */
const interactive = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3, nonRetryableErrorTypes },
});

/**
 * Looker calls: long backoff for outages (5xx, network) and 429s, whose Retry-After replaces the
 * backoff through the failure's `nextRetryDelay`; bounded per import by the schedule-to-close.
 */
const lookerRetry = { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', nonRetryableErrorTypes };

/**
 * Login (or reuse of the shared token). Usually a few queries; a login, or waiting for another
 * worker's, can take a minute. It heartbeats, so an attempt whose worker died or never received it
 * (a task lost on its way to a worker) is retried after 30 s, not after the 2-minute bound.
 */
const lookerLogin = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  scheduleToCloseTimeout: '6 hours',
  retry: lookerRetry,
});

/**
 * The Look run waits on the customer's warehouse (up to LOOKER_TIMEOUT_SECONDS, at most an hour)
 * and heartbeats meanwhile, so a dead worker is noticed within the heartbeat timeout and the run
 * moves to another worker.
 */
const lookerRun = proxyActivities<Activities>({
  startToCloseTimeout: '75 minutes',
  heartbeatTimeout: '30 seconds',
  scheduleToCloseTimeout: '6 hours',
  retry: lookerRetry,
});

/**
 * Set-based merge into datapoints; idempotent, so plain retries are safe. It heartbeats, so the
 * merge of a worker killed mid-way is retried elsewhere after 30 s, not after the 10-minute bound.
 */
const merge = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '2 minutes', nonRetryableErrorTypes },
});

/**
 * Time-zone math runs as a local activity so its result is recorded and replay can never change it.
 * Bounded: it fails the same way every time (a zone this worker's ICU does not know), and unbounded
 * retries would wedge the loop, or hold the lock inside `updateSchedule` so no message is answered.
 */
const clock = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 3 } });

/**
 * Transient failures in a row after which a metric needs attention: three daily imports that each
 * outlived 6 hours of retries mean the metric has silently stopped (docs/workflow.md, "States").
 */
const failuresBeforeAttention = 3;

const fullImportKinds: readonly ImportKind[] = ['backfill', 'config_change'];
const isFullImport = (kind: ImportKind) => fullImportKinds.includes(kind);

/**
 * One long-running workflow per metric: backfill the Look's whole history, then import every day at
 * the metric's import time in its time zone, reacting to config changes, pause, resume and import-now.
 */
export async function metricImportWorkflow(input: MetricWorkflowInput): Promise<void> {
  const { metricId } = input;
  let carried: CarriedState;
  if (input.carried) {
    carried = input.carried;
  } else if (input.schedule) {
    carried = { schedule: input.schedule, paused: false, health: 'backfilling', pendingImport: 'backfill' };
  } else {
    try {
      const loaded = await bookkeeping.loadMetricSchedule({ metricId });
      carried = { ...loaded, health: 'backfilling', pendingImport: 'backfill' };
    } catch (error) {
      // Deleted before the first run started: nothing to import.
      if (describeFailure(error).type === FailureType.MetricGone) return;
      throw error;
    }
  }

  let schedule: ImportSchedule = carried.schedule;
  let paused = carried.paused;
  let health: MetricHealth = carried.health;
  let pendingImport: ImportKind | undefined = carried.pendingImport;
  let replaceOwed = carried.replaceOwed ?? false;
  let lastImport: LastImport | undefined = carried.lastImport;
  let lastSucceededAt = carried.lastSucceededAt;
  let lastError = carried.lastError;
  /**
   * The next scheduled import is the first import time strictly after this instant: the start, the
   * last scheduled import's start, or the last schedule change or resume. It does not move while
   * another import runs, so an import time that passes meanwhile runs right after it.
   */
  let scheduleFromMs = carried.scheduleFromMs ?? Date.now();
  /** The next import time could not be computed for the saved schedule (see `scheduleUnusable`). */
  let scheduleBroken = false;
  /** Imports that failed since the last success. */
  let failedInARow = carried.failedInARow ?? 0;
  /** The next import instant as the status reports it. */
  let nextImportAt: string | undefined = carried.nextImportAt ?? undefined;
  /** The next import instant as last written to the metric row; only written under the lock. */
  let savedNextImportAt: string | null | undefined = carried.nextImportAt;
  /**
   * The next import instant as the last successful import computed and saved it with its
   * bookkeeping, for the schedule and start instant it was computed from: while both hold, the loop
   * needs no local activity and no save of its own (docs/workflow.md, "Billable actions").
   */
  let computedNext: { afterMs: number; schedule: ImportSchedule; atMs: number } | undefined;
  let importing = false;
  let metricGone = false;
  let stopping = false;
  /** Bumped by every message that changes what the loop is waiting for (schedule, pause, resume). */
  let wake = 0;

  const currentState = (): MetricState => (paused ? 'paused' : health);
  // The first run starts with ImportState=backfilling (set by whoever starts it); later runs inherit it.
  let publishedState: MetricState = input.carried ? currentState() : 'backfilling';
  /** Keeps the ImportState search attribute equal to the state. */
  const publish = () => {
    const next = currentState();
    if (next === publishedState) return;
    publishedState = next;
    upsertSearchAttributes([{ key: ImportStateKey, value: next }]);
  };
  publish();

  const status = (): MetricStatus => ({
    metricId,
    state: currentState(),
    paused,
    schedule,
    importing,
    lastImport: lastImport ?? null,
    nextImportAt: paused ? null : (nextImportAt ?? null),
    lastError: lastError ?? null,
  });

  /**
   * A FIFO lock. Update handlers that call activities hold it for their whole body, and every write
   * of the metric row's state goes through it, so writes land in the order the workflow decided
   * them. (A `condition(() => !busy)` gate is not enough: one activation can unblock two waiters.)
   */
  let lockTail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = lockTail.then(fn);
    lockTail = run.catch(() => undefined);
    return run;
  };

  /** Queues an import; a full import (backfill, config change) wins over a manual one. */
  const queueImport = (kind: ImportKind) => {
    if (pendingImport === undefined || (isFullImport(kind) && !isFullImport(pendingImport))) pendingImport = kind;
  };

  setHandler(getStatus, status);

  setHandler(importNow, () => {
    if (!paused) queueImport('manual');
  });

  setHandler(stop, () => {
    stopping = true;
  });

  setHandler(
    updateSourceConfig,
    (change) =>
      exclusive(async () => {
        // A new id per change makes the save idempotent across attempts. Behind a patch: uuid4 draws
        // from the workflow's random sequence, which the import run ids of recorded histories share.
        const changeId = patched('source-change-id') ? uuid4() : undefined;
        const result = await interactive.applySourceConfig({ metricId, change, ...(changeId === undefined ? {} : { changeId }) });
        if (result.sourceChanged) queueImport('config_change');
        // Any saved change is a fix attempt for a metric that needs attention: try it now.
        else if (health === 'needs_attention' && !paused) queueImport('manual');
        return { configVersion: result.configVersion };
      }),
    {
      validator: (change: SourceConfigChange) => {
        const fields = ['lookId', 'dateField', 'valueField', 'name'] as const;
        if (!fields.some((field) => change[field] !== undefined)) {
          throw new Error('Nothing to change: give lookId, dateField, valueField or name.');
        }
        for (const field of fields) {
          const value = change[field];
          if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) {
            throw new Error(`${field} must be a non-empty string.`);
          }
        }
      },
    },
  );

  setHandler(
    updateSchedule,
    (change) =>
      exclusive(async () => {
        const next: ImportSchedule = { importTime: change.importTime ?? schedule.importTime, timeZone: change.timeZone ?? schedule.timeZone };
        const changedAt = Date.now();
        let atMs: number;
        try {
          ({ atMs } = await clock.computeNextImportAt({ afterMs: changedAt, schedule: next }));
        } catch (error) {
          // Refused, and nothing changes; the lock is released with the answer.
          throw ApplicationFailure.nonRetryable(scheduleUnusable(next, error));
        }
        schedule = next;
        scheduleFromMs = changedAt;
        // A schedule that works again is a fix: import at once, as after any fix.
        if (scheduleBroken) {
          scheduleBroken = false;
          if (!paused) queueImport('manual');
        }
        nextImportAt = new Date(atMs).toISOString();
        wake++;
        const shown = paused ? null : nextImportAt;
        await bookkeeping.saveMetricState({ metricId, schedule: next, nextImportAt: shown });
        savedNextImportAt = shown;
        return { nextImportAt: shown };
      }),
    {
      validator: (change: ScheduleChange) => {
        if (change?.importTime === undefined && change?.timeZone === undefined) {
          throw new Error('Nothing to change: give importTime, timeZone or both.');
        }
        if (change.importTime !== undefined && (typeof change.importTime !== 'string' || parseImportTime(change.importTime) === undefined)) {
          throw new Error(`importTime "${String(change.importTime)}" is not a time of day; use HH:MM between 00:00 and 23:59.`);
        }
        if (change.timeZone !== undefined && (typeof change.timeZone !== 'string' || canonicalTimeZone(change.timeZone) !== change.timeZone)) {
          throw new Error(`timeZone "${String(change.timeZone)}" is not a canonical IANA time zone name such as "Europe/Berlin".`);
        }
      },
    },
  );

  setHandler(pause, () =>
    exclusive(async () => {
      if (!paused) {
        paused = true;
        wake++;
        publish();
        await bookkeeping.saveMetricState({ metricId, state: currentState(), nextImportAt: null });
        savedNextImportAt = null;
      }
      return status();
    }),
  );

  setHandler(resume, () =>
    exclusive(async () => {
      // A metric that needs attention retries at once (resume doubles as "I fixed it, try again");
      // a healthy one waits for its next import time.
      if (health === 'needs_attention') queueImport('manual');
      if (paused) {
        paused = false;
        // Import times that passed while paused are not owed.
        scheduleFromMs = Date.now();
        wake++;
        publish();
        await bookkeeping.saveMetricState({ metricId, state: currentState() });
      }
      return status();
    }),
  );

  const shouldContinueAsNew = () =>
    workflowInfo().continueAsNewSuggested ||
    (input.continueAsNewAfterEvents !== undefined && workflowInfo().historyLength >= input.continueAsNewAfterEvents);
  const ending = () => metricGone || stopping;

  /** What a successful import changes in the workflow's state. */
  const recordSuccess = (replaced: boolean) => {
    if (replaced) replaceOwed = false;
    lastError = undefined;
    failedInARow = 0;
    lastSucceededAt = new Date().toISOString();
    health = 'active';
  };

  /**
   * Merges and, unless the run turned out stale, records its success, the state and the next import
   * in the same activity. Holds the lock, so the state it writes lands in order with the handlers'.
   */
  const mergeAndRecordSuccess = (importRunId: string, replaces: boolean) =>
    exclusive(async () => {
      const nextImport = paused ? undefined : { afterMs: scheduleFromMs, schedule };
      const merged = await merge.upsertDatapoints({
        importRunId,
        replace: replaces,
        success: { metricState: paused ? 'paused' : 'active', ...(nextImport ? { nextImport } : {}) },
      });
      if (merged.stale) return merged;
      recordSuccess(replaces);
      publish();
      if (nextImport && merged.nextImportAtMs !== undefined) {
        computedNext = { ...nextImport, atMs: merged.nextImportAtMs };
        savedNextImportAt = new Date(merged.nextImportAtMs).toISOString();
      }
      return { ...merged, recorded: true };
    });

  async function runImport(kind: ImportKind, scheduledFor: Date): Promise<void> {
    const importRunId = uuid4();
    const replace = isFullImport(kind) || replaceOwed;
    const run = { importRunId, kind, scheduledFor: scheduledFor.toISOString() };
    // For the import run's link to the Temporal UI; activity inputs are not compared on replay, so no patch.
    const temporalRunId = workflowInfo().runId;
    // The run's bookkeeping rides in its token and upsert activities (docs/workflow.md, "Billable
    // actions"); histories recorded before take the separate start and finish activities.
    const folded = patched('bookkeeping-in-import-activities');
    try {
      const started = await exclusive(async (): Promise<{ integrationId?: string } | undefined> => {
        // Paused between the loop's decision and now: no import; a full one stays owed.
        if (paused) {
          if (isFullImport(kind)) queueImport(kind);
          return undefined;
        }
        importing = true;
        if (isFullImport(kind)) health = 'backfilling';
        publish();
        // A full import sets the state to backfilling, written here under the lock like every state
        // write. Any other start leaves the state as it is and rides in the login activity, which
        // must not hold the lock (its retries can take hours).
        if (folded && !isFullImport(kind)) return {};
        return bookkeeping.startImportRun({ ...run, metricId, metricState: currentState(), temporalRunId });
      });
      if (!started) return;
      await lookerLogin.acquireLookerToken(started.integrationId === undefined ? { start: { ...run, metricId, temporalRunId } } : { integrationId: started.integrationId });
      const looked = await lookerRun.runLook({ importRunId });
      // Only results the old code took whole reach the patch, so recorded histories replay unchanged.
      const verdict = replace ? replaceVerdict(looked) : undefined;
      const refused = verdict?.kind === 'refuse' && patched('full-import-verdict') ? verdict.reason : undefined;
      const replaces = replace && refused === undefined && (verdict?.kind !== 'merge-only' || !patched('full-import-verdict'));
      const merged =
        folded && refused === undefined
          ? await mergeAndRecordSuccess(importRunId, replaces)
          : await merge.upsertDatapoints({ importRunId, replace: replaces, ...(refused === undefined ? {} : { discard: true }) });
      if (merged.stale && patched('stale-run-not-succeeded')) {
        // The rows belonged to a source that is no longer the metric's: discarded, and the queued
        // config_change import follows. Not a success, and no reason to need attention.
        lastError = staleRunMessage;
        await exclusive(() =>
          bookkeeping.finishImportRun({ importRunId, succeeded: false, error: staleRunMessage, metricState: currentState() }),
        );
        lastImport = { ...run, finishedAt: new Date().toISOString(), succeeded: false };
        return;
      }
      if (refused !== undefined) throw ApplicationFailure.nonRetryable(refused, FailureType.LookResultUnusable);
      if (!('recorded' in merged)) {
        recordSuccess(replaces);
        await exclusive(async () => {
          publish();
          await bookkeeping.finishImportRun({ importRunId, succeeded: true, metricState: currentState() });
        });
      }
      lastImport = { ...run, finishedAt: new Date().toISOString(), succeeded: true };
    } catch (error) {
      const failure = describeFailure(error);
      if (failure.type === FailureType.MetricGone) {
        metricGone = true;
        return;
      }
      lastError = failure.message;
      failedInARow++;
      if (replace) replaceOwed = true;
      // A person must act on a non-retryable failure. Transient trouble that outlived the retries
      // keeps the state (the next import retries), except that a metric without data, or whose new
      // source was never imported (its series still holds the old source's values), needs attention.
      if (failure.nonRetryable) health = 'needs_attention';
      else if (health === 'backfilling') {
        const newSourceMissing = kind === 'config_change' && patched('failed-config-change-needs-attention');
        health = lastSucceededAt && !newSourceMissing ? 'active' : 'needs_attention';
      }
      // Transient trouble that keeps coming back is not transient: say so before a person wonders
      // why the data stopped.
      if (health === 'active' && failedInARow >= failuresBeforeAttention && patched('repeated-failures-need-attention')) {
        health = 'needs_attention';
        lastError = `${failedInARow} imports in a row failed; the last one with: ${failure.message}`;
      }
      await exclusive(async () => {
        publish();
        await bookkeeping.finishImportRun({ importRunId, metricId, succeeded: false, error: lastError, metricState: currentState() });
      });
      lastImport = { ...run, finishedAt: new Date().toISOString(), succeeded: false };
    } finally {
      importing = false;
    }
  }

  for (;;) {
    if (ending()) break;
    if (shouldContinueAsNew()) {
      // Handlers finish first, so no update is lost or answered twice.
      await condition(allHandlersFinished);
      if (ending()) break;
      const next: CarriedState = {
        schedule,
        paused,
        health,
        pendingImport,
        replaceOwed,
        lastImport,
        lastSucceededAt,
        lastError,
        nextImportAt: savedNextImportAt,
        scheduleFromMs,
        failedInARow,
      };
      await continueAsNew<typeof metricImportWorkflow>({ ...input, carried: next });
    }
    if (!paused && pendingImport !== undefined) {
      const kind = pendingImport;
      pendingImport = undefined;
      await runImport(kind, new Date());
      continue;
    }
    if (paused) {
      await condition(() => !paused || ending() || shouldContinueAsNew());
      continue;
    }
    const seen = wake;
    let atMs: number;
    try {
      const computed = computedNext?.afterMs === scheduleFromMs && sameSchedule(computedNext.schedule, schedule) ? computedNext.atMs : undefined;
      ({ atMs } = computed === undefined ? await clock.computeNextImportAt({ afterMs: scheduleFromMs, schedule }) : { atMs: computed });
    } catch (error) {
      scheduleBroken = true;
      health = 'needs_attention';
      lastError = scheduleUnusable(schedule, error);
      nextImportAt = undefined;
      await exclusive(async () => {
        publish();
        await bookkeeping.saveMetricState({ metricId, state: currentState(), nextImportAt: null, lastError });
        savedNextImportAt = null;
      });
      // Wait for a fix (schedule change, resume, import now, config change); try again daily, as
      // a worker that knows the zone may take over.
      await condition(() => wake !== seen || pendingImport !== undefined || ending() || shouldContinueAsNew(), '1 day');
      continue;
    }
    // The schedule (or pause) changed while this was computed: compute again.
    if (seen !== wake) continue;
    if (atMs <= Date.now()) {
      // The import time passed while another import ran: it runs once, now.
      scheduleFromMs = Date.now();
      await runImport('scheduled', new Date(atMs));
      continue;
    }
    const at = new Date(atMs).toISOString();
    nextImportAt = at;
    if (savedNextImportAt !== at) {
      await exclusive(async () => {
        // A handler wrote a newer value meanwhile, or this one while we waited for the lock.
        if (seen !== wake || savedNextImportAt === at) return;
        await bookkeeping.saveMetricState({ metricId, nextImportAt: at });
        savedNextImportAt = at;
      });
      if (seen !== wake) continue;
    }
    const interrupted = await condition(
      () => wake !== seen || paused || pendingImport !== undefined || ending() || shouldContinueAsNew(),
      Math.max(atMs - Date.now(), 1),
    );
    if (!interrupted) {
      // Counted from its start, so a late import (workers were down) covers the missed days.
      scheduleFromMs = Date.now();
      await runImport('scheduled', new Date(atMs));
    }
  }
  // Deleted or stopped: let running handlers answer, then end.
  await condition(allHandlersFinished);
}

function sameSchedule(a: ImportSchedule, b: ImportSchedule): boolean {
  return a.importTime === b.importTime && a.timeZone === b.timeZone;
}

/** Why no import time can be computed for `schedule`, and what to do about it. */
function scheduleUnusable(schedule: ImportSchedule, error: unknown): string {
  return (
    `The next import time cannot be computed for ${schedule.importTime} in time zone "${schedule.timeZone}" on this worker ` +
    `(${describeFailure(error).message}). Change the schedule to a time zone every worker knows (PATCH /v1/metrics/{id}/schedule), or update the workers' Node.js.`
  );
}

const staleRunMessage = "The metric's source changed while this import ran: its rows were discarded, and the import of the new source follows.";

/** The type and readable message of an activity failure, and whether a person must act. */
function describeFailure(error: unknown): { type: string | undefined; message: string; nonRetryable: boolean } {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) {
    return { type: cause.type ?? undefined, message: cause.message, nonRetryable: cause.nonRetryable || isNonRetryableFailureType(cause.type) };
  }
  if (cause instanceof TimeoutFailure) {
    // Retries ran out (schedule-to-close): name the last failure so the reason stays readable.
    const last = cause.cause instanceof ApplicationFailure ? ` The last attempt failed with: ${cause.cause.message}` : '';
    return { type: undefined, message: `Looker did not answer successfully within the import deadline (6 hours of retries).${last}`, nonRetryable: false };
  }
  if (cause instanceof Error) return { type: undefined, message: cause.message, nonRetryable: false };
  return { type: undefined, message: String(error), nonRetryable: false };
}
