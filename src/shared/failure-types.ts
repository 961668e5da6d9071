/**
 * Failure type names shared by activities (which throw them), retry policies (which list the
 * non-retryable ones) and the workflow (which turns them into `needs_attention`).
 */
export const FailureType = {
  /** Looker refused the client id / secret (Looker answers 404 on /login). */
  CredentialsRejected: 'LookerCredentialsRejected',
  /** The Look does not exist, was deleted, or the API user may not see it. */
  LookNotFound: 'LookNotFound',
  /** The Look ran but its rows cannot become datapoints (missing field, pivot, no dates…). */
  LookResultUnusable: 'LookResultUnusable',
  /** The integration's endpoint resolves to an address the SSRF guard refuses. */
  AddressRefused: 'LookerAddressRefused',
  /** The endpoint answers, but not as a Looker API 4.0 does. */
  NotLooker: 'NotLookerApi',
  /** Looker refused the request itself (400/403/422): retrying the same request cannot help. */
  RequestRejected: 'LookerRequestRejected',
  /** A stored secret does not decrypt: its key left ENCRYPTION_KEYS, or the ciphertext is damaged. */
  SecretUnreadable: 'StoredSecretUnreadable',
  /** Postgres refused the data itself (SQLSTATE class 22): the same rows fail the same way. */
  DataRejected: 'DatabaseRejectedData',
  /** A late attempt of an import run that was already merged, finished or abandoned. */
  RunClosed: 'ImportRunClosed',
  /** The metric or its integration was deleted while the workflow ran. */
  MetricGone: 'MetricGone',
  /** Transient: retried with backoff, honouring Retry-After. */
  RateLimited: 'LookerRateLimited',
  Unavailable: 'LookerUnavailable',
  TokenExpired: 'LookerTokenExpired',
  MalformedResponse: 'LookerMalformedResponse',
  /** A source change lost a compare-and-set to a newer one (retried: the retry reads the new state). */
  SourceConfigConflict: 'SourceConfigConflict',
  /** Postgres trouble (connection, serialization, …); the message carries only the SQLSTATE. */
  Database: 'DatabaseError',
  /** Anything else an activity threw; reduced to its kind so no value can reach history. */
  Internal: 'InternalError',
} as const;

export type FailureTypeName = (typeof FailureType)[keyof typeof FailureType];

export const nonRetryableFailureTypes: readonly FailureTypeName[] = [
  FailureType.CredentialsRejected,
  FailureType.LookNotFound,
  FailureType.LookResultUnusable,
  FailureType.AddressRefused,
  FailureType.NotLooker,
  FailureType.RequestRejected,
  FailureType.SecretUnreadable,
  FailureType.DataRejected,
  FailureType.RunClosed,
  FailureType.MetricGone,
];

export function isNonRetryableFailureType(type: string | undefined | null): boolean {
  return nonRetryableFailureTypes.includes(type as FailureTypeName);
}
