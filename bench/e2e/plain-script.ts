import { eq } from 'drizzle-orm';
import { stageDatapoints } from '../../src/activities/staging';
import { mergeStagedRun } from '../../src/db/datapoint-merge';
import { metrics } from '../../src/db/schema';
import { parseLookRows } from '../../src/looker/parse-look-result';
import { createImportRun } from '../fixtures';
import type { E2eStack } from './stack';
import { datapointTotals } from './bench-metrics';
import { delayLookRuns, lookerLoad, type LookerLoad } from './looker-load';
import { metricSource } from './looks-seed';
import { forEachConcurrently } from './pool';
import { withProgress } from './ticker';

export interface PlainScriptFigures {
  concurrency: number;
  elapsedMs: number;
  datapoints: number;
  looker: LookerLoad;
}

/**
 * Scenario 1's baseline: what a plain script does for the same metrics, with no Temporal and no
 * API. Per metric, at most `concurrency` at a time: the create's field check and the Look run
 * through the project's Looker client (one client, the shared token store), parsing with
 * `parseLookRows`, and the project's write path (`stageDatapoints`, then `mergeStagedRun` in one
 * transaction, the merge the `upsertDatapoints` activity runs) under an import run row, as the
 * workflow writes.
 */
export async function measurePlainScriptBackfill(
  stack: E2eStack,
  options: { metrics: number; looks: number; delayMs: number; concurrency: number; prefix: string },
): Promise<PlainScriptFigures> {
  const { db, sql } = stack.services.database;
  const control = stack.emulator.control;
  const maxRows = stack.services.settings.lookerMaxRows;
  const client = await stack.services.lookerClients.forIntegration(stack.integrationId);
  if (!client) throw new Error('the bench integration is missing');
  // One field check per Look, as the pipeline's field cache does; fresh, so the pipeline measured
  // just before cannot leave cached fields behind for the baseline.
  const fieldChecks = new Map<string, Promise<unknown>>();
  const checkFields = (lookId: string) => {
    if (!fieldChecks.has(lookId)) fieldChecks.set(lookId, client.lookFields(lookId, { fresh: true }));
    return fieldChecks.get(lookId)!;
  };
  control.resetCounters();
  const undoDelay = delayLookRuns(control, options.delayMs);
  let done = 0;
  try {
    const startedWall = Date.now();
    await withProgress(
      `backfill (plain script, ${options.delayMs} ms)`,
      () => `${done}/${options.metrics} done; ${lookerLoad(control.counters()).lookRuns} Look runs`,
      () =>
        forEachConcurrently(options.metrics, options.concurrency, async (i) => {
          const source = metricSource(i, options.looks);
          await checkFields(source.lookId);
          const [metric] = await db
            .insert(metrics)
            .values({ workspaceId: stack.workspaceId, integrationId: stack.integrationId, name: `${options.prefix}${i}`, ...source })
            .returning({ id: metrics.id });
          const fixture = { workspaceId: stack.workspaceId, integrationId: stack.integrationId, metricId: metric!.id };
          const importRunId = await createImportRun(db, fixture, source, 'backfill');
          const rows = await client.runLook(source.lookId, { limit: maxRows, fields: [source.dateField, source.valueField] });
          const parsed = parseLookRows(rows, { dateField: source.dateField, valueField: source.valueField, limit: maxRows });
          await stageDatapoints(db, importRunId, parsed.datapoints);
          await db.transaction((tx) => mergeStagedRun(tx, { importRunId, replace: true, discard: false }));
          await db.update(metrics).set({ state: 'active' }).where(eq(metrics.id, metric!.id));
          done++;
        }),
    );
    const totals = await datapointTotals(sql, stack.workspaceId, options.prefix);
    return {
      concurrency: options.concurrency,
      elapsedMs: (totals.lastWrittenAtMs ?? Date.now()) - startedWall,
      datapoints: totals.datapoints,
      looker: lookerLoad(control.counters()),
    };
  } finally {
    undoDelay();
  }
}
