export interface StoredToken {
  accessToken: string;
  expiresAt: Date;
}

/**
 * A token counts as expired this long before Looker says (Looker tokens live 3600 s), so a call
 * never races the expiry and a long Look run does not start on a token about to die. The official
 * TS SDK uses 10 s; a minute also covers modest clock skew between workers.
 */
export const tokenExpiryMarginMs = 60_000;

/** Usable: not within the expiry margin of its expiry. */
export function isTokenFresh(token: Pick<StoredToken, 'expiresAt'>, now: number): boolean {
  return token.expiresAt.getTime() - tokenExpiryMarginMs > now;
}

/**
 * Where a Looker integration's access token lives. `refresh` logs in at most once for all callers
 * that find the same stale token, so concurrent runs share one login.
 */
export interface TokenStore {
  read(): Promise<StoredToken | undefined>;
  /**
   * Returns a fresh token: the stored one if it is fresh and is not `staleToken` (another caller
   * already replaced it), otherwise the result of `login`, which is stored. Never returns
   * `staleToken` itself.
   */
  refresh(login: () => Promise<StoredToken>, staleToken?: string): Promise<StoredToken>;
  invalidate(accessToken: string): Promise<void>;
}

/**
 * Joins concurrent refreshes inside one process into one flight. A caller that joins a flight
 * started for another stale token and gets back the very token it found stale starts its own.
 */
export function singleFlight(
  run: (login: () => Promise<StoredToken>, staleToken?: string) => Promise<StoredToken>,
): TokenStore['refresh'] {
  let inFlight: Promise<StoredToken> | undefined;
  const refresh: TokenStore['refresh'] = (login, staleToken) => {
    if (inFlight) {
      return inFlight.then((token) => (staleToken !== undefined && token.accessToken === staleToken ? refresh(login, staleToken) : token));
    }
    const flight = run(login, staleToken).finally(() => {
      if (inFlight === flight) inFlight = undefined;
    });
    inFlight = flight;
    return flight;
  };
  return refresh;
}

/** In-process store for one-off checks (testing credentials before an integration is saved). */
export function createMemoryTokenStore(options: { now?: () => number } = {}): TokenStore {
  const now = options.now ?? Date.now;
  let current: StoredToken | undefined;
  return {
    read: () => Promise.resolve(current),
    refresh: singleFlight(async (login, staleToken) => {
      if (current && current.accessToken !== staleToken && isTokenFresh(current, now())) return current;
      current = await login();
      return current;
    }),
    invalidate(accessToken) {
      if (current?.accessToken === accessToken) current = undefined;
      return Promise.resolve();
    },
  };
}
