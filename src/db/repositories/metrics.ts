import { and, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { metrics } from '../schema';
import { isUuid } from './integrations';

export type MetricRow = typeof metrics.$inferSelect;

export async function findMetric(db: Db, workspaceId: string, id: string): Promise<MetricRow | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await db
    .select()
    .from(metrics)
    .where(and(eq(metrics.workspaceId, workspaceId), eq(metrics.id, id)));
  return row;
}
