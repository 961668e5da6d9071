import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { and, eq, sql } from 'drizzle-orm';
import type { SecretBox } from '../crypto/secret-box';
import type { Db } from '../db/client';
import { lookerTokens } from '../db/schema';
import { isTokenFresh, singleFlight, type StoredToken, type TokenStore } from './token-store';

/** What a token is issued for: it is only ever read back, decrypted and sent for the same triple. */
export interface TokenBinding {
  integrationId: string;
  apiEndpoint: string;
  clientId: string;
}

/** Associated data of the sealed token: a row copied to another binding does not decrypt. */
export function tokenAad(binding: TokenBinding): string {
  return `looker-token:${JSON.stringify([binding.integrationId, binding.apiEndpoint, binding.clientId])}`;
}

/** How long a waiting refresh sleeps between looks at the lease (grows to the maximum). */
const pollMs = { first: 25, max: 250 };

/**
 * The shared token store: one encrypted token per (integration, endpoint, client id) in Postgres.
 *
 * N workers and M metrics cost one login: a refresh takes a *lease* on the row (holder id and
 * expiry, set in one statement), logs in with no database connection held, then stores the token
 * and releases the lease with a compare-and-set on its holder id. Others poll the row until the
 * token appears or the lease expires (a holder that died). So a slow or hanging `/login` on a
 * tenant's host never pins a pool connection, and a login whose row was deleted meanwhile (the
 * endpoint or credentials changed, see updateIntegration) cannot store its token.
 *
 * Inside a process, concurrent refreshes join one flight, as long as callers share the store
 * instance: the client factory keeps one per binding.
 */
export function createPostgresTokenStore(deps: {
  db: Db;
  secretBox: SecretBox;
  binding: TokenBinding;
  /** Longest a login may hold the lease: the login's own timeout plus slack. */
  leaseMs: number;
  now?: () => number;
}): TokenStore {
  const { db, secretBox, binding } = deps;
  const now = deps.now ?? Date.now;
  const aad = tokenAad(binding);
  const key = and(
    eq(lookerTokens.integrationId, binding.integrationId),
    eq(lookerTokens.apiEndpoint, binding.apiEndpoint),
    eq(lookerTokens.clientId, binding.clientId),
  );

  /** A row without a token, or one that no longer decrypts (its key was retired), means: log in. */
  const open = (row: { accessTokenSealed: string | null; expiresAt: Date | null } | undefined): StoredToken | undefined => {
    if (!row?.accessTokenSealed || !row.expiresAt) return undefined;
    try {
      return { accessToken: secretBox.decrypt(row.accessTokenSealed, aad), expiresAt: row.expiresAt };
    } catch {
      return undefined;
    }
  };
  const readRow = async () => {
    const [row] = await db
      .select({ accessTokenSealed: lookerTokens.accessTokenSealed, expiresAt: lookerTokens.expiresAt })
      .from(lookerTokens)
      .where(key);
    return row;
  };
  const usable = (token: StoredToken | undefined, staleToken: string | undefined): token is StoredToken =>
    token !== undefined && token.accessToken !== staleToken && isTokenFresh(token, now());

  /** Takes the lease if nobody holds a live one (the database's clock decides); false otherwise. */
  const tryLease = async (holder: string): Promise<boolean> => {
    const rows = await db.execute<{ holder: string }>(sql`
      insert into ${lookerTokens} (integration_id, api_endpoint, client_id, lease_holder, lease_expires_at)
      values (${binding.integrationId}, ${binding.apiEndpoint}, ${binding.clientId}, ${holder},
              now() + ${deps.leaseMs} * interval '1 millisecond')
      on conflict (integration_id, api_endpoint, client_id) do update
        set lease_holder = excluded.lease_holder, lease_expires_at = excluded.lease_expires_at
        where ${lookerTokens}.lease_expires_at is null or ${lookerTokens}.lease_expires_at <= now()
      returning lease_holder as holder`);
    return rows.length === 1;
  };
  const release = (holder: string) =>
    db
      .update(lookerTokens)
      .set({ leaseHolder: null, leaseExpiresAt: null })
      .where(and(key, eq(lookerTokens.leaseHolder, holder)));

  const refreshWithLease = async (login: () => Promise<StoredToken>, staleToken?: string): Promise<StoredToken> => {
    const holder = randomUUID();
    for (let wait = pollMs.first; ; wait = Math.min(wait * 2, pollMs.max)) {
      const stored = open(await readRow());
      if (usable(stored, staleToken)) return stored;
      if (await tryLease(holder)) break;
      await sleep(wait);
    }
    let token: StoredToken;
    try {
      // Someone may have stored a token between our read and our lease.
      const stored = open(await readRow());
      if (usable(stored, staleToken)) return stored;
      token = await login();
    } catch (error) {
      await release(holder);
      throw error;
    }
    // Compare-and-set: stored only while we still hold the lease on a row that still exists.
    await db
      .update(lookerTokens)
      .set({
        accessTokenSealed: secretBox.encrypt(token.accessToken, aad),
        expiresAt: token.expiresAt,
        leaseHolder: null,
        leaseExpiresAt: null,
        updatedAt: new Date(),
      })
      .where(and(key, eq(lookerTokens.leaseHolder, holder)));
    return token;
  };

  return {
    async read() {
      return open(await readRow());
    },
    refresh: singleFlight(refreshWithLease),
    async invalidate(accessToken) {
      const row = await readRow();
      if (row?.accessTokenSealed && open(row)?.accessToken === accessToken) {
        // Compare-and-clear: a token another worker stored meanwhile survives, and so does a lease.
        await db
          .update(lookerTokens)
          .set({ accessTokenSealed: null, expiresAt: null, updatedAt: new Date() })
          .where(and(key, eq(lookerTokens.accessTokenSealed, row.accessTokenSealed)));
      }
    },
  };
}
