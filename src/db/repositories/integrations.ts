import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { integrations, lookerTokens, metrics, sharedLookResults } from '../schema';
import { afterKeyset, keysetText, toPage, type Page, type PageRequest } from './keyset';

export type IntegrationRow = typeof integrations.$inferSelect;

/** Every read is scoped by workspace: another tenant's integration is simply not found. */
export async function findIntegration(db: Db, workspaceId: string, id: string): Promise<IntegrationRow | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await db
    .select()
    .from(integrations)
    .where(and(eq(integrations.workspaceId, workspaceId), eq(integrations.id, id)));
  return row;
}

export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/** Oldest first, so rows created while someone pages never shift the pages already read. */
export async function listIntegrations(db: Db, workspaceId: string, page: PageRequest): Promise<Page<IntegrationRow>> {
  const rows = await db
    .select({ row: integrations, at: keysetText(integrations.createdAt), id: integrations.id })
    .from(integrations)
    .where(and(eq(integrations.workspaceId, workspaceId), afterKeyset(integrations.createdAt, integrations.id, page.after, 'asc')))
    .orderBy(asc(integrations.createdAt), asc(integrations.id))
    .limit(page.limit + 1);
  return toPage(rows, page.limit);
}

export interface IntegrationChanges {
  name?: string;
  apiEndpoint?: string;
  clientId?: string;
  clientSecretSealed?: string;
  secretKeyId?: string;
  maxConcurrentQueries?: number;
  lastCheck?: { ok: boolean; message: string };
}

/**
 * Applies the changes; when the endpoint or credentials changed, every stored token and login lease
 * of the integration goes in the same transaction, so no worker keeps using a token issued for the
 * old ones, and a login still running for them fails its compare-and-set and stores nothing
 * (postgres-token-store.ts), and shared Look results go too. Tokens are bound to their endpoint anyway: this is the clean-up.
 */
export async function updateIntegration(
  db: Db,
  workspaceId: string,
  id: string,
  changes: IntegrationChanges,
  options: { credentialsChanged: boolean },
): Promise<IntegrationRow | undefined> {
  const { lastCheck, ...columns } = changes;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(integrations)
      .set({
        ...columns,
        ...(lastCheck ? { lastCheckAt: new Date(), lastCheckOk: lastCheck.ok, lastCheckMessage: lastCheck.message } : {}),
        updatedAt: new Date(),
      })
      .where(and(eq(integrations.workspaceId, workspaceId), eq(integrations.id, id)))
      .returning();
    if (row && options.credentialsChanged) {
      await tx.delete(lookerTokens).where(eq(lookerTokens.integrationId, id));
      // Rows another Looker user fetched may differ (row-level access): no import shares them.
      await tx.delete(sharedLookResults).where(eq(sharedLookResults.integrationId, id));
    }
    return row;
  });
}

export type DeleteIntegrationResult = { deleted: true } | { deleted: false; usedBy: { id: string; name: string }[] };

/**
 * Deletes the integration unless metrics use it. The row is locked first, so a metric created
 * concurrently either commits before the check (and is named) or waits and then fails its FK.
 */
export async function deleteIntegrationUnlessUsed(db: Db, workspaceId: string, id: string): Promise<DeleteIntegrationResult | undefined> {
  if (!isUuid(id)) return undefined;
  return db.transaction(async (tx) => {
    const [locked] = await tx
      .select({ id: integrations.id })
      .from(integrations)
      .where(and(eq(integrations.workspaceId, workspaceId), eq(integrations.id, id)))
      .for('update');
    if (!locked) return undefined;
    const usedBy = await tx
      .select({ id: metrics.id, name: metrics.name })
      .from(metrics)
      .where(eq(metrics.integrationId, id))
      .orderBy(asc(metrics.name), asc(metrics.id));
    if (usedBy.length > 0) return { deleted: false, usedBy };
    await tx.delete(integrations).where(eq(integrations.id, id));
    return { deleted: true };
  });
}
