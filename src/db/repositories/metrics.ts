import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { datapoints, importRuns, metrics, type MetricState } from '../schema';
import { isUuid } from './integrations';
import { afterKeyset, keysetText, toPage, type Page, type PageRequest } from './keyset';

export type MetricRow = typeof metrics.$inferSelect;

export async function findMetric(db: Db, workspaceId: string, id: string): Promise<MetricRow | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await db
    .select()
    .from(metrics)
    .where(and(eq(metrics.workspaceId, workspaceId), eq(metrics.id, id)));
  return row;
}

export interface MetricFilter {
  /** Already checked to belong to the workspace. */
  integrationId?: string;
  state?: MetricState;
}

/** The datapoint with the latest date, as stored (the value is an exact decimal string). */
export interface LatestDatapoint {
  date: string;
  value: string;
}

export interface MetricListRow {
  metric: MetricRow;
  latestDatapoint: LatestDatapoint | null;
}

/** The newest datapoint of the metric in the outer query: one backward step on datapoints' primary key. */
function latestDatapointOf(db: Db) {
  return db
    .select({ date: datapoints.date, value: datapoints.value })
    .from(datapoints)
    .where(eq(datapoints.metricId, metrics.id))
    .orderBy(desc(datapoints.date))
    .limit(1)
    .as('latest');
}

/** Oldest first, like every list: pages stay stable while metrics are added. Each with its latest datapoint. */
export async function listMetrics(db: Db, workspaceId: string, filter: MetricFilter, page: PageRequest): Promise<Page<MetricListRow>> {
  const latest = latestDatapointOf(db);
  const rows = await db
    .select({ metric: metrics, latestDate: latest.date, latestValue: latest.value, at: keysetText(metrics.createdAt), id: metrics.id })
    .from(metrics)
    .leftJoinLateral(latest, sql`true`)
    .where(
      and(
        eq(metrics.workspaceId, workspaceId),
        filter.integrationId ? eq(metrics.integrationId, filter.integrationId) : undefined,
        filter.state ? eq(metrics.state, filter.state) : undefined,
        afterKeyset(metrics.createdAt, metrics.id, page.after, 'asc'),
      ),
    )
    .orderBy(asc(metrics.createdAt), asc(metrics.id))
    .limit(page.limit + 1);
  return toPage(
    rows.map(({ metric, latestDate, latestValue, at, id }) => ({
      row: { metric, latestDatapoint: latestDate === null || latestValue === null ? null : { date: latestDate, value: latestValue } },
      at,
      id,
    })),
    page.limit,
  );
}

/**
 * Deletes the metric; its datapoints and import runs go with it (ON DELETE CASCADE).
 *
 * An activity of the terminated workflow may still be running (termination does not stop it), and
 * every import activity locks its run row before it touches the metric row or rows referencing it
 * (upsertDatapoints, finishImportRun). A bare DELETE locks in the opposite order (the metric, then
 * its runs by cascade), so the two deadlocked and Postgres aborted one of them, sometimes the
 * delete. Locking the runs first, in the activities' order, makes the delete wait for the activity
 * instead; whatever the activity does afterwards finds no metric or run and ends as MetricGone.
 */
export async function deleteMetric(db: Db, workspaceId: string, id: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx
      .select({ id: importRuns.id })
      .from(importRuns)
      .where(and(eq(importRuns.workspaceId, workspaceId), eq(importRuns.metricId, id)))
      .orderBy(asc(importRuns.id))
      .for('update');
    const deleted = await tx
      .delete(metrics)
      .where(and(eq(metrics.workspaceId, workspaceId), eq(metrics.id, id)))
      .returning({ id: metrics.id });
    return deleted.length > 0;
  });
}

/** Ids of an integration's metrics that wait for a person, e.g. after Looker rejected its credentials. */
export async function metricsNeedingAttention(db: Db, workspaceId: string, integrationId: string): Promise<string[]> {
  const rows = await db
    .select({ id: metrics.id })
    .from(metrics)
    .where(and(eq(metrics.workspaceId, workspaceId), eq(metrics.integrationId, integrationId), eq(metrics.state, 'needs_attention')));
  return rows.map((row) => row.id);
}
