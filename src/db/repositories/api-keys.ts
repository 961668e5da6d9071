import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { generateApiKey, hashApiKey, looksLikeApiKey } from '../../crypto/api-keys';
import type { Db, Tx } from '../client';
import { apiKeys } from '../schema';
import { isUuid } from './integrations';
import { afterKeyset, keysetText, toPage, type Page, type PageRequest } from './keyset';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

/**
 * Creates a key; the full key is returned once, only its hash is stored. `createdByKeyId` is the
 * key that asked for it (revoking that one revokes this one); omitted for the operator's keys.
 */
export async function createApiKey(db: Db | Tx, workspaceId: string, name: string, createdByKeyId?: string): Promise<{ row: ApiKeyRow; key: string }> {
  const key = generateApiKey();
  const [row] = await db.insert(apiKeys).values({ workspaceId, name, prefix: key.prefix, keyHash: key.hash, createdByKeyId }).returning();
  return { row: row!, key: key.key };
}

/** The unrevoked key a caller presented, found by its hash; best-effort last-use bookkeeping. */
export async function findActiveApiKey(db: Db, key: string): Promise<{ id: string; workspaceId: string } | undefined> {
  // A malformed key costs no query.
  if (!looksLikeApiKey(key)) return undefined;
  const [row] = await db
    .select({ id: apiKeys.id, workspaceId: apiKeys.workspaceId })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, hashApiKey(key)), isNull(apiKeys.revokedAt)));
  // Must never fail a request.
  if (row) void db.update(apiKeys).set({ lastUsedAt: sql`now()` }).where(eq(apiKeys.id, row.id)).catch(() => undefined);
  return row;
}

/** Revoked keys stay listed (with revokedAt) so people can tell which key was cut off and when. */
export async function listApiKeys(db: Db, workspaceId: string, page: PageRequest): Promise<Page<ApiKeyRow>> {
  const rows = await db
    .select({ row: apiKeys, at: keysetText(apiKeys.createdAt), id: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.workspaceId, workspaceId), afterKeyset(apiKeys.createdAt, apiKeys.id, page.after, 'asc')))
    .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id))
    .limit(page.limit + 1);
  return toPage(rows, page.limit);
}

export type RevokeResult = { revoked: ApiKeyRow; alsoRevoked: string[] } | { lastActiveKey: true };

/**
 * Revokes a key and every key created through it, directly or not (idempotent: a revoked key keeps
 * its first revokedAt). Refused when no active key would be left, because nothing could create a
 * new one afterwards except the operator. Workspace keys are locked in id order, so two concurrent
 * revocations cannot each leave the other as the "other" key.
 */
export async function revokeApiKey(db: Db, workspaceId: string, id: string): Promise<RevokeResult | undefined> {
  if (!isUuid(id)) return undefined;
  return db.transaction(async (tx) => {
    const keys = await tx
      .select({ id: apiKeys.id, revokedAt: apiKeys.revokedAt, createdByKeyId: apiKeys.createdByKeyId })
      .from(apiKeys)
      .where(eq(apiKeys.workspaceId, workspaceId))
      .orderBy(asc(apiKeys.id))
      .for('update');
    if (!keys.some((key) => key.id === id)) return undefined;
    const revoking = new Set([id]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const key of keys) {
        if (key.createdByKeyId !== null && revoking.has(key.createdByKeyId) && !revoking.has(key.id)) {
          revoking.add(key.id);
          grew = true;
        }
      }
    }
    const newlyRevoked = keys.filter((key) => revoking.has(key.id) && !key.revokedAt);
    if (newlyRevoked.length > 0 && !keys.some((key) => !revoking.has(key.id) && !key.revokedAt)) return { lastActiveKey: true } as const;
    const rows = await tx
      .update(apiKeys)
      .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
      .where(and(inArray(apiKeys.id, [...revoking]), eq(apiKeys.workspaceId, workspaceId)))
      .returning();
    const revoked = rows.find((row) => row.id === id)!;
    return { revoked, alsoRevoked: newlyRevoked.map((key) => key.id).filter((other) => other !== id) };
  });
}
