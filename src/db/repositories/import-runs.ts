import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { importRuns } from '../schema';
import { afterKeyset, keysetText, toPage, type Page, type PageRequest } from './keyset';

export type ImportRunRow = typeof importRuns.$inferSelect;

/** A metric's import history, newest first (the run being imported right now leads). */
export async function listImportRuns(db: Db, workspaceId: string, metricId: string, page: PageRequest): Promise<Page<ImportRunRow>> {
  const rows = await db
    .select({ row: importRuns, at: keysetText(importRuns.startedAt), id: importRuns.id })
    .from(importRuns)
    .where(
      and(
        eq(importRuns.workspaceId, workspaceId),
        eq(importRuns.metricId, metricId),
        afterKeyset(importRuns.startedAt, importRuns.id, page.after, 'desc'),
      ),
    )
    .orderBy(desc(importRuns.startedAt), desc(importRuns.id))
    .limit(page.limit + 1);
  return toPage(rows, page.limit);
}
