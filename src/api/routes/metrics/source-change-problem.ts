import { FailureType, isNonRetryableFailureType } from '../../../shared/failure-types';
import { WorkflowGatewayError } from '../../../temporal/metric-workflow-gateway';
import { ApiError, type ErrorCode } from '../../errors';

const transientLookerFailures: readonly string[] = [FailureType.Unavailable, FailureType.RateLimited, FailureType.TokenExpired, FailureType.MalformedResponse];

/**
 * A source change the workflow refused, as a problem naming the field it blamed: the Look for a
 * missing Look, the field for a field the Look lacks (the activity prefixes its message with it).
 * Anything else passes through unchanged.
 */
export function sourceChangeProblem(error: unknown): unknown {
  if (!(error instanceof WorkflowGatewayError) || error.kind !== 'rejected') return error;
  const code: ErrorCode = transientLookerFailures.includes(error.failureType ?? '')
    ? 'upstream_unavailable'
    : isNonRetryableFailureType(error.failureType)
      ? 'looker_rejected'
      : 'unprocessable';
  const prefixed = /^(lookId|dateField|valueField|name): (.*)$/s.exec(error.message);
  if (prefixed) return ApiError.field(code, `/body/${prefixed[1]}`, prefixed[2]!);
  if (error.failureType === FailureType.LookNotFound) return ApiError.field(code, '/body/lookId', error.message);
  return new ApiError(code, error.message);
}
