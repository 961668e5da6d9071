import { and, eq, sql } from 'drizzle-orm';
import type { SecretBox } from '../crypto/secret-box';
import type { Db } from '../db/client';
import { lookerTokens } from '../db/schema';
import { isTokenFresh, singleFlight, type StoredToken, type TokenStore } from './token-store';

interface TokenRow {
  accessTokenSealed: string;
  expiresAt: Date;
}

/**
 * The shared token store: one encrypted token per integration in Postgres. Refreshes take a
 * transaction-scoped advisory lock on the integration and re-read the row under it, so N workers
 * and M metrics cost one login: whoever gets the lock second finds the first one's token.
 *
 * Inside a process, concurrent refreshes join one flight (one lock waiter, one connection), as
 * long as callers share the store instance: the client factory keeps one per integration.
 */
export function createPostgresTokenStore(deps: { db: Db; secretBox: SecretBox; integrationId: string; now?: () => number }): TokenStore {
  const { db, secretBox, integrationId } = deps;
  const now = deps.now ?? Date.now;
  // The ciphertext is bound to its integration, so a row copied elsewhere does not decrypt.
  const aad = `looker-token:${integrationId}`;
  /** A row that no longer decrypts (its key was retired) is as good as no row: log in again. */
  const open = (row: TokenRow | undefined): StoredToken | undefined => {
    if (!row) return undefined;
    try {
      return { accessToken: secretBox.decrypt(row.accessTokenSealed, aad), expiresAt: row.expiresAt };
    } catch {
      return undefined;
    }
  };
  const selectRow = async (executor: Pick<Db, 'select'>): Promise<TokenRow | undefined> => {
    const [row] = await executor
      .select({ accessTokenSealed: lookerTokens.accessTokenSealed, expiresAt: lookerTokens.expiresAt })
      .from(lookerTokens)
      .where(eq(lookerTokens.integrationId, integrationId));
    return row;
  };

  const refreshUnderLock = (login: () => Promise<StoredToken>, staleToken?: string) =>
    db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${aad}, 0))`);
      const stored = open(await selectRow(tx));
      if (stored && stored.accessToken !== staleToken && isTokenFresh(stored, now())) return stored;
      const token = await login();
      const values = { accessTokenSealed: secretBox.encrypt(token.accessToken, aad), expiresAt: token.expiresAt, updatedAt: new Date() };
      await tx
        .insert(lookerTokens)
        .values({ integrationId, ...values })
        .onConflictDoUpdate({ target: lookerTokens.integrationId, set: values });
      return token;
    });

  return {
    async read() {
      return open(await selectRow(db));
    },
    refresh: singleFlight(refreshUnderLock),
    async invalidate(accessToken) {
      const row = await selectRow(db);
      if (row && open(row)?.accessToken === accessToken) {
        // Compare-and-delete: a token another worker stored meanwhile survives.
        await db
          .delete(lookerTokens)
          .where(and(eq(lookerTokens.integrationId, integrationId), eq(lookerTokens.accessTokenSealed, row.accessTokenSealed)));
      }
    },
  };
}
