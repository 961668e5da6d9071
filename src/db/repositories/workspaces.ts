import { generateApiKey } from '../../crypto/api-keys';
import type { Db } from '../client';
import { apiKeys, workspaces } from '../schema';

/** A workspace with its first API key; the key is returned once and only its hash is stored. */
export async function createWorkspaceWithKey(
  db: Db,
  input: { name: string; keyName?: string },
): Promise<{ workspaceId: string; apiKey: string; apiKeyId: string; prefix: string }> {
  return db.transaction(async (tx) => {
    const [workspace] = await tx.insert(workspaces).values({ name: input.name }).returning();
    const key = generateApiKey();
    const [row] = await tx
      .insert(apiKeys)
      .values({ workspaceId: workspace!.id, name: input.keyName ?? 'first key', prefix: key.prefix, keyHash: key.hash })
      .returning();
    return { workspaceId: workspace!.id, apiKey: key.key, apiKeyId: row!.id, prefix: key.prefix };
  });
}
