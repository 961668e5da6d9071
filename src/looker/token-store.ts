export interface StoredToken {
  accessToken: string;
  expiresAt: Date;
}

/**
 * Where a Looker integration's access token lives. `refresh` logs in at most once for all callers
 * that find the same stale token, so concurrent runs share one login.
 */
export interface TokenStore {
  read(): Promise<StoredToken | undefined>;
  /** Logs in unless another caller already replaced `staleToken` with a fresh one. */
  refresh(login: () => Promise<StoredToken>, staleToken?: string): Promise<StoredToken>;
  invalidate(accessToken: string): Promise<void>;
}

/** In-process store for one-off checks (testing credentials before an integration is saved). */
export function createMemoryTokenStore(): TokenStore {
  let current: StoredToken | undefined;
  let inFlight: Promise<StoredToken> | undefined;
  return {
    read: () => Promise.resolve(current),
    refresh(login, staleToken) {
      if (current && current.accessToken !== staleToken) return Promise.resolve(current);
      inFlight ??= login()
        .then((token) => (current = token))
        .finally(() => (inFlight = undefined));
      return inFlight;
    },
    invalidate(accessToken) {
      if (current?.accessToken === accessToken) current = undefined;
      return Promise.resolve();
    },
  };
}
