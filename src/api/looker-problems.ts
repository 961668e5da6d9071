import { LookerError } from '../looker/errors';
import { FailureType } from '../shared/failure-types';
import { ApiError, type ErrorCode } from './errors';

export const lookerFailureKinds = [
  'invalid_endpoint',
  'address_refused',
  'unreachable',
  'not_looker',
  'credentials_rejected',
  'looker_unavailable',
  'request_rejected',
  'look_not_found',
  'look_unusable',
] as const;

export type LookerFailureKind = (typeof lookerFailureKinds)[number];
export type LookerField = 'apiEndpoint' | 'clientSecret' | 'lookId' | 'dateField' | 'valueField';

/** What went wrong talking to Looker, in words a user can act on, and which input to fix. */
export interface LookerFailure {
  kind: LookerFailureKind;
  code: ErrorCode;
  field?: LookerField;
  message: string;
}

export const bodyPointers: Record<LookerField, string> = {
  apiEndpoint: '/body/apiEndpoint',
  clientSecret: '/body/clientSecret',
  lookId: '/body/lookId',
  dateField: '/body/dateField',
  valueField: '/body/valueField',
};

interface FailureContext {
  /** The endpoint that was called, named when nothing answered there. */
  apiEndpoint?: string;
  /** The chosen fields, so an unusable result can blame the right one. */
  source?: { dateField: string; valueField: string };
}

/** Classifies what the Looker client threw; undefined for anything that is not about Looker. */
export function describeLookerFailure(error: unknown, context: FailureContext = {}): LookerFailure | undefined {
  if (error instanceof Error && error.name === 'AddressRefusedError') {
    return { kind: 'address_refused', code: 'looker_rejected', field: 'apiEndpoint', message: error.message };
  }
  if (error instanceof Error && error.name === 'LookResultError') {
    const field = (error as Error & { field?: string }).field;
    const blamed = field === context.source?.dateField ? 'dateField' : field === context.source?.valueField ? 'valueField' : undefined;
    return { kind: 'look_unusable', code: 'looker_rejected', ...(blamed ? { field: blamed } : {}), message: error.message };
  }
  if (!(error instanceof LookerError)) return undefined;
  switch (error.type) {
    case FailureType.CredentialsRejected:
      return { kind: 'credentials_rejected', code: 'looker_rejected', field: 'clientSecret', message: error.message };
    case FailureType.NotLooker:
      return { kind: 'not_looker', code: 'looker_rejected', field: 'apiEndpoint', message: error.message };
    case FailureType.LookNotFound:
      return { kind: 'look_not_found', code: 'looker_rejected', field: 'lookId', message: error.message };
    case FailureType.RequestRejected:
      return { kind: 'request_rejected', code: 'looker_rejected', message: error.message };
    case FailureType.Unavailable:
      // No HTTP status: the connection failed or timed out, so nothing (or nothing in time) answered.
      if (error.details.status === undefined) {
        const where = context.apiEndpoint ? ` at ${context.apiEndpoint}` : '';
        return {
          kind: 'unreachable',
          code: 'upstream_unavailable',
          field: 'apiEndpoint',
          message: `${error.message} No server answered${where}: check the host and port (Admin → Platform → API shows the API Host URL) and that this service can reach it through firewalls.`,
        };
      }
      return { kind: 'looker_unavailable', code: 'upstream_unavailable', message: error.message };
    default:
      return { kind: 'looker_unavailable', code: 'upstream_unavailable', message: error.message };
  }
}

/**
 * The failure as a problem. `pointers` says where this request carries each field; a field it
 * does not carry (the stored credentials of a saved integration) is named in the message only.
 * A Look named in the URL that Looker does not have is a plain 404.
 */
export function failureProblem(failure: LookerFailure, pointers: Partial<Record<LookerField, string>>): ApiError {
  const pointer = failure.field === undefined ? undefined : pointers[failure.field];
  if (pointer === undefined) return new ApiError(failure.code, failure.message);
  const code = failure.kind === 'look_not_found' && pointer.startsWith('/path/') ? 'not_found' : failure.code;
  return ApiError.field(code, pointer, failure.message);
}

/** Turns what the Looker client threw into a problem; anything else is rethrown as it was. */
export function lookerProblem(error: unknown, pointers: Partial<Record<LookerField, string>>, context: FailureContext = {}): unknown {
  const failure = describeLookerFailure(error, context);
  return failure ? failureProblem(failure, pointers) : error;
}
