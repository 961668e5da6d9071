import { LookerError } from '../looker/errors';
import { FailureType } from '../shared/failure-types';
import { ApiError } from './errors';

/** Turns what the Looker client threw into a problem that tells the user which field to fix. */
export function lookerProblem(error: unknown, pointers: { lookId?: string } = {}): unknown {
  if (error instanceof Error && error.name === 'AddressRefusedError') {
    return ApiError.field('looker_rejected', '/body/apiEndpoint', error.message);
  }
  if (error instanceof Error && error.name === 'LookResultError') {
    return new ApiError('looker_rejected', error.message);
  }
  if (!(error instanceof LookerError)) return error;
  switch (error.type) {
    case FailureType.CredentialsRejected:
      return ApiError.field('looker_rejected', '/body/clientSecret', error.message);
    case FailureType.NotLooker:
      return ApiError.field('looker_rejected', '/body/apiEndpoint', error.message);
    case FailureType.LookNotFound:
      return ApiError.field('looker_rejected', pointers.lookId ?? '/body/lookId', error.message);
    case FailureType.RequestRejected:
      return new ApiError('looker_rejected', error.message);
    default:
      return new ApiError('upstream_unavailable', error.message);
  }
}
