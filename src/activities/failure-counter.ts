import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import type { PrometheusMetrics } from '../observability/prometheus';
import { FailureType, isNonRetryableFailureType } from '../shared/failure-types';

const knownFailureTypes = new Set<string>(Object.values(FailureType));

/**
 * Wraps every activity so that each failed attempt is counted by activity and failure type, and
 * whether that type is retried (the retry policies list the same non-retryable types). A
 * cancellation is no failure of the activity and is not counted.
 */
export function countingFailures<T extends Record<string, (input: never) => Promise<unknown>>>(prometheus: PrometheusMetrics, activities: T): T {
  const counted = Object.entries(activities).map(([activity, run]) => [
    activity,
    async (input: never) => {
      try {
        return await run(input);
      } catch (error) {
        if (!(error instanceof CancelledFailure)) {
          const type = error instanceof ApplicationFailure && knownFailureTypes.has(error.type ?? '') ? error.type! : FailureType.Internal;
          const retryable = !(error instanceof ApplicationFailure && error.nonRetryable) && !isNonRetryableFailureType(type);
          prometheus.activityFailures.inc({ activity, failure_type: type, retryable: String(retryable) });
        }
        throw error;
      }
    },
  ]);
  return Object.fromEntries(counted) as T;
}
