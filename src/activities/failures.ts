import { ApplicationFailure } from '@temporalio/activity';
import { LookerError } from '../looker/errors';
import type { Logger } from '../logger';
import { FailureType, isNonRetryableFailureType } from '../shared/failure-types';

/**
 * Translates what an activity caught into a Temporal failure with a shared type name. Messages
 * go into workflow history, so unknown errors are reduced to their kind: a driver message could
 * quote a value.
 */
export function toApplicationFailure(error: unknown): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof LookerError) {
    return ApplicationFailure.create({
      type: error.type,
      message: error.message,
      nonRetryable: isNonRetryableFailureType(error.type),
      nextRetryDelay: error.details.retryAfterMs,
    });
  }
  if (error instanceof Error && error.name === 'AddressRefusedError') {
    return ApplicationFailure.create({ type: FailureType.AddressRefused, message: error.message, nonRetryable: true });
  }
  if (error instanceof Error && error.name === 'LookResultError') {
    return ApplicationFailure.create({ type: FailureType.LookResultUnusable, message: error.message, nonRetryable: true });
  }
  if (error instanceof Error && error.name === 'PostgresError') {
    const code = 'code' in error ? String(error.code) : 'unknown';
    return ApplicationFailure.create({ type: FailureType.Database, message: `Database error (SQLSTATE ${code}).` });
  }
  return ApplicationFailure.create({ type: FailureType.Internal, message: error instanceof Error ? `${error.name}: internal error` : 'internal error' });
}

export function metricGone(metricId: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.MetricGone, message: `Metric ${metricId} no longer exists.`, nonRetryable: true });
}

/** Runs an activity body and converts whatever it throws; the full error stays in the worker log. */
export async function translated<T>(logger: Logger, activity: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const failure = toApplicationFailure(error);
    if (failure !== error) logger.warn({ activity, err: error, failureType: failure.type }, 'activity failed');
    throw failure;
  }
}
