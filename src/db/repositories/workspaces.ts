import type { Db } from '../client';
import { workspaces } from '../schema';
import { createApiKey, type ApiKeyRow } from './api-keys';

export type WorkspaceRow = typeof workspaces.$inferSelect;

/** A workspace with its first API key; the key is returned once and only its hash is stored. */
export async function createWorkspaceWithKey(
  db: Db,
  input: { name: string; keyName?: string },
): Promise<{ workspaceId: string; apiKey: string; apiKeyId: string; prefix: string; workspace: WorkspaceRow; keyRow: ApiKeyRow }> {
  return db.transaction(async (tx) => {
    const [workspace] = await tx.insert(workspaces).values({ name: input.name }).returning();
    const { row, key } = await createApiKey(tx, workspace!.id, input.keyName ?? 'first key');
    return { workspaceId: workspace!.id, apiKey: key, apiKeyId: row.id, prefix: row.prefix, workspace: workspace!, keyRow: row };
  });
}
