import { FailureType, type FailureTypeName } from '../shared/failure-types';

/**
 * One error class per failure kind; `type` is the shared failure type name the activities
 * hand to Temporal. Messages never contain tokens or secrets (the client also scrubs anything a
 * server echoes back before an error leaves it; see docs/looker-client.md).
 */
export class LookerError extends Error {
  constructor(
    readonly type: FailureTypeName,
    message: string,
    /** `networkCode`: the system error code of a failed connection (e.g. ENOTFOUND), for logs and for telling a typo apart. */
    readonly details: { status?: number; retryAfterMs?: number; networkCode?: string } = {},
  ) {
    super(message);
    this.name = 'LookerError';
  }
}

export const lookerErrors = {
  credentialsRejected: () =>
    new LookerError(
      FailureType.CredentialsRejected,
      'Looker rejected the client ID and client secret. Create a new API key for the Looker user (Admin → Users → Edit keys) and update the integration.',
      { status: 404 },
    ),
  tokenExpired: () =>
    new LookerError(
      FailureType.TokenExpired,
      'Looker refused a freshly issued access token (HTTP 401 "Requires authentication."); the next attempt logs in again. If this repeats, check that the API key\'s user is not disabled.',
      { status: 401 },
    ),
  lookNotFound: (lookId: string) =>
    new LookerError(
      FailureType.LookNotFound,
      `Look ${lookId} was not found: it was deleted, or the integration's Looker user cannot see it. Restore the Look or choose another one.`,
      { status: 404 },
    ),
  rateLimited: (retryAfterMs: number) =>
    new LookerError(FailureType.RateLimited, `Looker is rate limiting requests; retrying in ${Math.ceil(retryAfterMs / 1000)} s.`, {
      status: 429,
      retryAfterMs,
    }),
  unavailable: (reason: string, status?: number) =>
    new LookerError(FailureType.Unavailable, `Looker is unavailable: ${reason}.`, status === undefined ? {} : { status }),
  networkFailure: (reason: string, networkCode: string | undefined) =>
    new LookerError(FailureType.Unavailable, `Looker is unavailable: ${reason}.`, networkCode === undefined ? {} : { networkCode }),
  malformed: (reason: string) =>
    new LookerError(FailureType.MalformedResponse, `Looker sent a response that could not be read: ${reason}.`),
  requestRejected: (status: number, lookerMessage: string) =>
    new LookerError(FailureType.RequestRejected, `Looker refused the request (HTTP ${status}): ${lookerMessage}`, { status }),
  responseTooLarge: (what: string, limitBytes: number) =>
    new LookerError(
      FailureType.RequestRejected,
      `Looker's answer to ${what} is larger than ${formatBytes(limitBytes)}, the most the service reads for it, so it was refused. A Looker API answers this call with far less: check that the API endpoint is your Looker's API.`,
    ),
  rowTooLarge: (limitBytes: number) =>
    new LookerError(
      FailureType.RequestRejected,
      `A row of the Look's result is larger than ${formatBytes(limitBytes)}, so the result was refused. Remove wide columns (long texts) from the Look.`,
    ),
  tooManyRows: (limit: number) =>
    new LookerError(
      FailureType.RequestRejected,
      `Looker returned more than the ${limit} rows the service asked for, so the result was refused. Check that the API endpoint is your Looker's API.`,
    ),
  runTooLarge: (limit: number, limitBytes: number) =>
    new LookerError(
      FailureType.RequestRejected,
      `The date and value fields of the Look's result hold more than ${formatBytes(limitBytes)} over at most ${limit} rows, so the result was refused. Check that the Look's date field holds dates and its value field numbers.`,
    ),
  /** Our own cap, not Looker's answer: retryable like a 429, with a short pause. */
  querySlotsBusy: (waitedMs: number) =>
    new LookerError(
      FailureType.RateLimited,
      `Every Looker query slot of this integration stayed busy for ${Math.round(waitedMs / 1000)} s (its maxConcurrentQueries is reached by running imports). Try again shortly, or raise maxConcurrentQueries (PATCH /v1/integrations/{id}).`,
      { retryAfterMs: 5_000 },
    ),
  notLooker: (reason: string) =>
    new LookerError(
      FailureType.NotLooker,
      `The API endpoint does not answer like a Looker API 4.0: ${reason}. Check the host and port (Admin → Platform → API shows the API Host URL).`,
    ),
} as const;

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

export function isLookerError(error: unknown, type?: FailureTypeName): error is LookerError {
  return error instanceof LookerError && (type === undefined || error.type === type);
}
