import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { isNonRetryableFailureType, nonRetryableFailureTypes, FailureType } from '../shared/failure-types';
import { getStatus, importNow, pause, resume, updateSchedule, updateSourceConfig } from '../shared/messages';
import { canonicalTimeZone, parseImportTime } from '../shared/schedule';
import { ImportStateKey } from '../shared/search-attributes';
import type { CarriedState, ImportKind, ImportSchedule, MetricState, MetricStatus, MetricWorkflowInput, SourceConfigChange } from '../shared/types';

const nonRetryableErrorTypes = [...nonRetryableFailureTypes];

/** Database bookkeeping: quick, retried briefly then surfaced. */
const bookkeeping = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes },
});

/** Interactive checks behind an update: the caller waits, so few attempts. */
const interactive = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3, nonRetryableErrorTypes },
});

/** Looker calls: long backoff for outages and 429s (Retry-After overrides the delay), bounded per import. */
const looker = proxyActivities<Activities>({
  startToCloseTimeout: '20 minutes',
  heartbeatTimeout: '1 minute',
  scheduleToCloseTimeout: '6 hours',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', nonRetryableErrorTypes },
});

/** Set-based merge into datapoints; idempotent, so plain retries are safe. */
const merge = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '2 seconds', maximumInterval: '2 minutes', nonRetryableErrorTypes },
});

/** Time-zone math runs as a local activity so its result is recorded and replay can never change it. */
const clock = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds' });

/**
 * One long-running workflow per metric: backfill the Look's whole history, then import every day at
 * the metric's import time in its time zone, reacting to config changes, pause, resume and import-now.
 */
export async function metricImportWorkflow(input: MetricWorkflowInput): Promise<void> {
  const { metricId } = input;
  const carried: CarriedState = input.carried ?? {
    ...(await bookkeeping.loadMetricSchedule({ metricId })),
    pendingImport: 'backfill',
  };

  let schedule: ImportSchedule = carried.schedule;
  let paused = carried.paused;
  let state: MetricState = carried.state;
  let pendingImport: ImportKind | undefined = carried.pendingImport;
  let lastImport = carried.lastImport;
  let lastError = carried.lastError;
  let nextImportAt = carried.nextImportAt;
  let importing = false;
  let wakeUp = false;
  let messageBusy = false;
  let metricGone = false;

  const status = (): MetricStatus => ({
    metricId,
    state,
    paused,
    schedule,
    importing,
    lastImport: lastImport ?? null,
    nextImportAt: paused ? null : (nextImportAt ?? null),
    lastError: lastError ?? null,
  });

  const setState = (next: MetricState) => {
    if (next === state) return;
    state = next;
    upsertSearchAttributes([{ key: ImportStateKey, value: next }]);
  };

  /** Update handlers that call activities run one at a time, so they cannot interleave. */
  const exclusive = async <T>(fn: () => Promise<T>): Promise<T> => {
    await condition(() => !messageBusy);
    messageBusy = true;
    try {
      return await fn();
    } finally {
      messageBusy = false;
    }
  };

  setHandler(getStatus, status);

  setHandler(importNow, () => {
    if (!paused) pendingImport ??= 'manual';
  });

  setHandler(
    updateSourceConfig,
    (change) =>
      exclusive(async () => {
        const result = await interactive.applySourceConfig({ metricId, change });
        if (result.sourceChanged) pendingImport = 'config_change';
        else if (state === 'needs_attention' && !paused) pendingImport ??= 'manual';
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
    (next) =>
      exclusive(async () => {
        const { atMs } = await clock.computeNextImportAt({ afterMs: Date.now(), schedule: next });
        schedule = next;
        nextImportAt = new Date(atMs).toISOString();
        await bookkeeping.saveMetricState({ metricId, schedule: next, nextImportAt: paused ? null : nextImportAt });
        wakeUp = true;
        return { nextImportAt: paused ? null : nextImportAt };
      }),
    {
      validator: (next: ImportSchedule) => {
        if (parseImportTime(next.importTime) === undefined) {
          throw new Error(`importTime "${next.importTime}" is not a time of day; use HH:MM between 00:00 and 23:59.`);
        }
        if (canonicalTimeZone(next.timeZone) !== next.timeZone) {
          throw new Error(`timeZone "${next.timeZone}" is not a canonical IANA time zone name such as "Europe/Berlin".`);
        }
      },
    },
  );

  setHandler(pause, () =>
    exclusive(async () => {
      if (!paused) {
        paused = true;
        setState('paused');
        await bookkeeping.saveMetricState({ metricId, state: 'paused', nextImportAt: null });
        wakeUp = true;
      }
      return status();
    }),
  );

  setHandler(resume, () =>
    exclusive(async () => {
      if (paused || state === 'needs_attention') {
        paused = false;
        // A metric that needed attention retries at once; a healthy one waits for its next import time.
        const resumed: MetricState = lastImport === undefined ? 'backfilling' : lastError ? 'needs_attention' : 'active';
        if (resumed === 'needs_attention') pendingImport ??= 'manual';
        setState(resumed);
        await bookkeeping.saveMetricState({ metricId, state: resumed });
        wakeUp = true;
      }
      return status();
    }),
  );

  const shouldContinueAsNew = () =>
    workflowInfo().continueAsNewSuggested ||
    (input.continueAsNewAfterEvents !== undefined && workflowInfo().historyLength >= input.continueAsNewAfterEvents);

  async function runImport(kind: ImportKind, scheduledFor: Date): Promise<void> {
    const importRunId = uuid4();
    importing = true;
    if (kind === 'backfill' || kind === 'config_change') setState('backfilling');
    try {
      const { integrationId } = await bookkeeping.startImportRun({
        importRunId,
        metricId,
        kind,
        scheduledFor: scheduledFor.toISOString(),
      });
      await looker.acquireLookerToken({ integrationId });
      await looker.runLook({ importRunId });
      await merge.upsertDatapoints({ importRunId, replace: kind === 'backfill' || kind === 'config_change' });
      lastError = undefined;
      setState(paused ? 'paused' : 'active');
      await bookkeeping.finishImportRun({ importRunId, succeeded: true, metricState: state });
      lastImport = { importRunId, kind, scheduledFor: scheduledFor.toISOString(), finishedAt: new Date().toISOString(), succeeded: true };
    } catch (error) {
      const failure = describeFailure(error);
      if (failure.type === FailureType.MetricGone) {
        metricGone = true;
        return;
      }
      lastError = failure.message;
      // Transient trouble that outlived the retries leaves the metric active: the next import retries.
      setState(paused ? 'paused' : failure.nonRetryable ? 'needs_attention' : lastImport ? 'active' : 'needs_attention');
      await bookkeeping.finishImportRun({ importRunId, succeeded: false, error: failure.message, metricState: state });
      lastImport = { importRunId, kind, scheduledFor: scheduledFor.toISOString(), finishedAt: new Date().toISOString(), succeeded: false };
    } finally {
      importing = false;
    }
  }

  for (;;) {
    // The metric was deleted under us: nothing left to import, the workflow ends.
    if (metricGone) return;
    if (shouldContinueAsNew() && !importing) {
      await condition(allHandlersFinished);
      const next: CarriedState = { schedule, paused, state, lastImport, lastError, nextImportAt, pendingImport };
      await continueAsNew<typeof metricImportWorkflow>({ ...input, carried: next });
    }
    if (!paused && pendingImport !== undefined) {
      const kind = pendingImport;
      pendingImport = undefined;
      await runImport(kind, new Date());
      continue;
    }
    if (paused) {
      await condition(() => !paused || shouldContinueAsNew());
      continue;
    }
    const { atMs } = await clock.computeNextImportAt({ afterMs: Date.now(), schedule });
    if (nextImportAt !== new Date(atMs).toISOString()) {
      nextImportAt = new Date(atMs).toISOString();
      await bookkeeping.saveMetricState({ metricId, nextImportAt });
    }
    wakeUp = false;
    const interrupted = await condition(
      () => wakeUp || paused || pendingImport !== undefined || shouldContinueAsNew(),
      Math.max(atMs - Date.now(), 1),
    );
    if (!interrupted) await runImport('scheduled', new Date(atMs));
  }
}

/** The type and readable message of an activity failure, and whether a person must act. */
function describeFailure(error: unknown): { type: string | undefined; message: string; nonRetryable: boolean } {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) {
    return { type: cause.type ?? undefined, message: cause.message, nonRetryable: cause.nonRetryable || isNonRetryableFailureType(cause.type) };
  }
  if (cause instanceof Error) {
    const timedOut = cause.name === 'TimeoutFailure';
    return {
      type: undefined,
      message: timedOut ? 'Looker did not answer successfully within the import deadline (6 hours of retries).' : cause.message,
      nonRetryable: false,
    };
  }
  return { type: undefined, message: String(error), nonRetryable: false };
}
