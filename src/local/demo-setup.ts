import { randomUUID } from 'node:crypto';
import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import { apiKeyPrefix, hashApiKey } from '../crypto/api-keys';
import type { SecretBox } from '../crypto/secret-box';
import type { Db } from '../db/client';
import { apiKeys, integrations, workspaces } from '../db/schema';
import { clientSecretAad } from '../looker/client-factory';

export const demoWorkspaceName = 'Demo workspace';
export const demoIntegrationName = 'Demo Looker (emulator)';
export const demoKeyName = 'local demo key';

/**
 * Idempotent: the demo workspace, an API key row for `apiKey`, and an integration pointing at the
 * local Looker emulator (its endpoint refreshed, since the emulator's port may change).
 */
export async function ensureDemoSetup(
  db: Db,
  secretBox: SecretBox,
  demo: { apiKey: string; emulatorApiUrl: string; clientId: string; clientSecret: string },
): Promise<{ workspaceId: string; integrationId: string }> {
  return db.transaction(async (tx) => {
    let [workspace] = await tx.select().from(workspaces).where(eq(workspaces.name, demoWorkspaceName));
    workspace ??= (await tx.insert(workspaces).values({ name: demoWorkspaceName }).returning())[0]!;
    const keyHash = hashApiKey(demo.apiKey);
    const [key] = await tx.select().from(apiKeys).where(eq(apiKeys.keyHash, keyHash));
    if (!key) {
      await tx.insert(apiKeys).values({ workspaceId: workspace.id, name: demoKeyName, prefix: apiKeyPrefix(demo.apiKey), keyHash });
    }
    // A changed LOCAL_API_KEY replaces the demo key: the previous one (perhaps the reason it was
    // changed) stops working. Keys people created in the demo workspace are left alone.
    await tx
      .update(apiKeys)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(apiKeys.workspaceId, workspace.id), eq(apiKeys.name, demoKeyName), ne(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)));
    const [existing] = await tx
      .select()
      .from(integrations)
      .where(and(eq(integrations.workspaceId, workspace.id), eq(integrations.name, demoIntegrationName)));
    const id = existing?.id ?? randomUUID();
    const values = {
      apiEndpoint: demo.emulatorApiUrl,
      clientId: demo.clientId,
      clientSecretSealed: secretBox.encrypt(demo.clientSecret, clientSecretAad(id)),
      secretKeyId: secretBox.currentKeyId,
      updatedAt: new Date(),
    };
    if (existing) await tx.update(integrations).set(values).where(eq(integrations.id, id));
    else await tx.insert(integrations).values({ id, workspaceId: workspace.id, name: demoIntegrationName, ...values });
    return { workspaceId: workspace.id, integrationId: id };
  });
}
