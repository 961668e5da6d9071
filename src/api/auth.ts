import { and, eq, isNull, sql } from 'drizzle-orm';
import type { MiddlewareHandler } from 'hono';
import { hashApiKey, looksLikeApiKey } from '../crypto/api-keys';
import type { Db } from '../db/client';
import { apiKeys } from '../db/schema';
import type { AppEnv } from './env';
import { ApiError } from './errors';

/** Bearer API keys scoped to one workspace; only the key's hash is looked up. */
export function apiKeyAuth(db: Db): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const presented = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (presented === undefined) {
      throw new ApiError('unauthorized', 'Send the API key as "Authorization: Bearer <key>".');
    }
    // A malformed key costs no query.
    if (!looksLikeApiKey(presented)) throw unknownKey();
    const [key] = await db
      .select({ id: apiKeys.id, workspaceId: apiKeys.workspaceId })
      .from(apiKeys)
      .where(and(eq(apiKeys.keyHash, hashApiKey(presented)), isNull(apiKeys.revokedAt)));
    if (!key) throw unknownKey();
    c.set('principal', { workspaceId: key.workspaceId, apiKeyId: key.id });
    // Best effort: last-use bookkeeping must never fail a request.
    void db.update(apiKeys).set({ lastUsedAt: sql`now()` }).where(eq(apiKeys.id, key.id)).catch(() => undefined);
    await next();
  };
}

// One answer for malformed, unknown and revoked keys: the shape check tells an attacker nothing new.
const unknownKey = () => new ApiError('unauthorized', 'The API key is unknown or was revoked.');
