import { and, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { integrations } from '../schema';

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
