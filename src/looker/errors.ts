import { FailureType, type FailureTypeName } from '../shared/failure-types';

/**
 * One error class per failure kind; `type` is the shared failure type name the activities
 * hand to Temporal. Messages never contain tokens or secrets.
 */
export class LookerError extends Error {
  constructor(
    readonly type: FailureTypeName,
    message: string,
    readonly details: { status?: number; retryAfterMs?: number } = {},
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
    new LookerError(FailureType.TokenExpired, 'The Looker access token expired or was revoked; logging in again.', {
      status: 401,
    }),
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
  malformed: (reason: string) =>
    new LookerError(FailureType.MalformedResponse, `Looker sent a response that could not be read: ${reason}.`),
  requestRejected: (status: number, lookerMessage: string) =>
    new LookerError(FailureType.RequestRejected, `Looker refused the request (HTTP ${status}): ${lookerMessage}`, { status }),
  notLooker: (reason: string) =>
    new LookerError(
      FailureType.NotLooker,
      `The API endpoint does not answer like a Looker API 4.0: ${reason}. Check the host and port (Admin → Platform → API shows the API Host URL).`,
    ),
} as const;

export function isLookerError(error: unknown, type?: FailureTypeName): error is LookerError {
  return error instanceof LookerError && (type === undefined || error.type === type);
}
