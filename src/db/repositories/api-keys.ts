import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { generateApiKey, hashApiKey } from '../../crypto/api-keys';
import type { Db, Tx } from '../client';
import { apiKeys } from '../schema';
import { isUuid } from './integrations';
import { afterKeyset, keysetText, toPage, type Page, type PageRequest } from './keyset';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

/** Creates a key; the full key is returned once, only its hash is stored. */
export async function createApiKey(db: Db | Tx, workspaceId: string, name: string): Promise<{ row: ApiKeyRow; key: string }> {
  const key = generateApiKey();
  const [row] = await db.insert(apiKeys).values({ workspaceId, name, prefix: key.prefix, keyHash: key.hash }).returning();
  return { row: row!, key: key.key };
}

/** The unrevoked key a caller presented, found by its hash; best-effort last-use bookkeeping. */
export async function findActiveApiKey(db: Db, key: string): Promise<{ id: string; workspaceId: string } | undefined> {
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

export type RevokeResult = { revoked: ApiKeyRow } | { lastActiveKey: true };

/**
 * Revokes a key (idempotent: a revoked key keeps its first revokedAt). The workspace's last active
 * key is refused, because nothing could create a new one afterwards. Workspace keys are locked in
 * id order, so two concurrent revocations cannot each leave the other as the "other" key.
 */
export async function revokeApiKey(db: Db, workspaceId: string, id: string): Promise<RevokeResult | undefined> {
  if (!isUuid(id)) return undefined;
  return db.transaction(async (tx) => {
    const keys = await tx
      .select({ id: apiKeys.id, revokedAt: apiKeys.revokedAt })
      .from(apiKeys)
      .where(eq(apiKeys.workspaceId, workspaceId))
      .orderBy(asc(apiKeys.id))
      .for('update');
    const target = keys.find((key) => key.id === id);
    if (!target) return undefined;
    if (!target.revokedAt && !keys.some((key) => key.id !== id && !key.revokedAt)) return { lastActiveKey: true } as const;
    const [row] = await tx
      .update(apiKeys)
      .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
      .where(and(eq(apiKeys.id, id), eq(apiKeys.workspaceId, workspaceId)))
      .returning();
    return { revoked: row! };
  });
}

