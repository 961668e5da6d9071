import type { Logger } from '../logger';
import { LookerError } from '../looker/errors';
import { FailureType } from '../shared/failure-types';
import { ApiError, type ErrorCode } from './errors';

export const lookerFailureKinds = [
  'invalid_endpoint',
  'address_refused',
  'host_not_found',
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
  /** Receives what the caller is not told: the resolved address, the network error code. */
  logger?: Logger;
}

/**
 * DNS answered that the name does not exist (getaddrinfo's EAI_NONAME and EAI_NODATA both surface
 * as ENOTFOUND): a typo people need to see, unlike other network errors. EAI_AGAIN (the resolver
 * itself failed) is not in the set: that is an outage, not the user's input.
 */
const unresolvableCodes = new Set(['ENOTFOUND']);

/**
 * Classifies what the Looker client threw; undefined for anything that is not about Looker.
 * Network failures are told apart only as far as a user needs to fix a typo: "refused because not
 * public", "the name does not resolve", or "no server answered". Whether a port refused or timed
 * out, and what address a name resolved to, go to the log only: otherwise this is a scanner of
 * the networks the service can reach.
 */
export function describeLookerFailure(error: unknown, context: FailureContext = {}): LookerFailure | undefined {
  const failure = classify(error, context);
  if (failure && (failure.kind === 'address_refused' || failure.kind === 'host_not_found' || failure.kind === 'unreachable')) {
    context.logger?.info({ apiEndpoint: context.apiEndpoint, outcome: failure.kind, ...networkDetails(error) }, 'Looker endpoint not reachable');
  }
  return failure;
}

function classify(error: unknown, context: FailureContext): LookerFailure | undefined {
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
      if (error.details.status === undefined) return unreachable(error, context.apiEndpoint);
      return { kind: 'looker_unavailable', code: 'upstream_unavailable', message: error.message };
    default:
      return { kind: 'looker_unavailable', code: 'upstream_unavailable', message: error.message };
  }
}

/**
 * Nothing answered. A name DNS says does not exist is the user's input (a typo), so it is a 422 on
 * the field like any other bad input; a host that resolves but does not answer may be an outage of
 * theirs or ours, so it stays a 503 (retry later).
 */
function unreachable(error: LookerError, apiEndpoint: string | undefined): LookerFailure {
  const host = apiEndpoint ? hostOf(apiEndpoint) : undefined;
  if (error.details.networkCode !== undefined && unresolvableCodes.has(error.details.networkCode)) {
    const message = `Host not found: ${host ? `the host name ${host}` : 'the host name'} does not exist in DNS; check the spelling (Admin → Platform → API shows the API Host URL).`;
    return { kind: 'host_not_found', code: 'looker_rejected', field: 'apiEndpoint', message };
  }
  const where = apiEndpoint ? ` at ${apiEndpoint}` : '';
  const message = `No server answered${where}: check the host and port (Admin → Platform → API shows the API Host URL) and that this service can reach it through firewalls.`;
  return { kind: 'unreachable', code: 'upstream_unavailable', field: 'apiEndpoint', message };
}

function hostOf(apiEndpoint: string): string | undefined {
  try {
    return new URL(apiEndpoint).hostname;
  } catch {
    return undefined;
  }
}

/** For the log: the refused address and its range, or the network error the caller only sees as "no answer". */
function networkDetails(error: unknown): Record<string, unknown> {
  if (error instanceof LookerError) return { reason: error.message, networkCode: error.details.networkCode };
  const refused = error as { address?: unknown; range?: unknown };
  return { address: refused.address, range: refused.range };
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
