import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { DrizzleQueryError } from 'drizzle-orm';
import { LookerError } from '../looker/errors';
import type { Logger } from '../logger';
import { FailureType, isNonRetryableFailureType } from '../shared/failure-types';

/**
 * Translates what an activity caught into a Temporal failure with a shared type name. Messages
 * go into workflow history, so unknown errors are reduced to their kind: a driver message could
 * quote a value.
 */
export function toApplicationFailure(thrown: unknown): ApplicationFailure {
  const error = driverError(thrown);
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
  if (error instanceof Error && error.name === 'SecretBoxError') {
    // Retrying cannot bring a key back. The message names only key ids, never key material.
    return ApplicationFailure.create({
      type: FailureType.SecretUnreadable,
      nonRetryable: true,
      message: `The integration's stored client secret cannot be decrypted (${error.message}). Put the retired key back into ENCRYPTION_KEYS, or enter the client secret again (PATCH /v1/integrations/{id}).`,
    });
  }
  if (error instanceof Error && error.name === 'PostgresError') {
    const code = 'code' in error ? String(error.code) : 'unknown';
    // Class 22 (data exception: a date or number out of range…) is deterministic: the same rows
    // fail the same way on every retry. Everything else (connections, serialization) is transient.
    if (code.startsWith('22')) {
      return ApplicationFailure.create({
        type: FailureType.DataRejected,
        nonRetryable: true,
        message: `Postgres rejected a value from the Look (SQLSTATE ${code}). Check the Look's date and value fields for out-of-range values, or filter those rows in Looker.`,
      });
    }
    return ApplicationFailure.create({ type: FailureType.Database, message: `Database error (SQLSTATE ${code}).` });
  }
  return ApplicationFailure.create({ type: FailureType.Internal, message: error instanceof Error ? `${error.name}: internal error` : 'internal error' });
}

/**
 * What the driver threw, for a query Drizzle ran: Drizzle wraps it in an error whose message lists
 * every parameter (a staged run's values), and which is no `PostgresError` by name.
 */
function driverError(error: unknown): unknown {
  return error instanceof DrizzleQueryError && error.cause !== undefined ? error.cause : error;
}

export function metricGone(metricId: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.MetricGone, message: `Metric ${metricId} no longer exists.`, nonRetryable: true });
}

/** Runs an activity body and converts whatever it throws; the full error stays in the worker log. */
export async function translated<T>(logger: Logger, activity: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    // The activity was cancelled (heartbeat timeout, workflow gone): report it as such.
    if (error instanceof CancelledFailure) throw error;
    const failure = toApplicationFailure(error);
    if (failure !== error) logger.warn({ activity, err: driverError(error), failureType: failure.type }, 'activity failed');
    throw failure;
  }
}
