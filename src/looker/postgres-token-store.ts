import { and, eq, sql } from 'drizzle-orm';
import type { SecretBox } from '../crypto/secret-box';
import type { Db } from '../db/client';
import { lookerTokens } from '../db/schema';
import type { StoredToken, TokenStore } from './token-store';

/**
 * The shared token store: one encrypted token per integration in Postgres. Refreshes take a
 * transaction-scoped advisory lock on the integration, so N workers and M metrics cost one login.
 */
export function createPostgresTokenStore(deps: { db: Db; secretBox: SecretBox; integrationId: string }): TokenStore {
  const { db, secretBox, integrationId } = deps;
  // The ciphertext is bound to its integration, so a row copied elsewhere does not decrypt.
  const aad = `looker-token:${integrationId}`;
  const open = (row: { accessTokenSealed: string; expiresAt: Date }): StoredToken => ({
    accessToken: secretBox.decrypt(row.accessTokenSealed, aad),
    expiresAt: row.expiresAt,
  });
  let inFlight: Promise<StoredToken> | undefined;

  const refreshUnderLock = (login: () => Promise<StoredToken>, staleToken?: string) =>
    db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${aad}, 0))`);
      const [row] = await tx.select().from(lookerTokens).where(eq(lookerTokens.integrationId, integrationId));
      if (row && row.expiresAt.getTime() - 60_000 > Date.now()) {
        const stored = open(row);
        if (stored.accessToken !== staleToken) return stored;
      }
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
      const [row] = await db.select().from(lookerTokens).where(eq(lookerTokens.integrationId, integrationId));
      return row ? open(row) : undefined;
    },
    refresh(login, staleToken) {
      // Also single-flight inside the process, so concurrent activities wait on one lock holder.
      inFlight ??= refreshUnderLock(login, staleToken).finally(() => (inFlight = undefined));
      return inFlight;
    },
    async invalidate(accessToken) {
      const [row] = await db.select().from(lookerTokens).where(eq(lookerTokens.integrationId, integrationId));
      if (row && open(row).accessToken === accessToken) {
        await db
          .delete(lookerTokens)
          .where(and(eq(lookerTokens.integrationId, integrationId), eq(lookerTokens.accessTokenSealed, row.accessTokenSealed)));
      }
    },
  };
}
