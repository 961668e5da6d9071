import { ApplicationFailure, Context } from '@temporalio/activity';
import { and, eq } from 'drizzle-orm';
import { importRuns, metrics, type ImportRunKind } from '../db/schema';
import { parseLookRows } from '../looker/parse-look-result';
import { FailureType } from '../shared/failure-types';
import type { SourceConfigChange } from '../shared/types';
import type { Freshness } from '../looker/shared-look-results';
import type { ActivityDeps } from './deps';
import { metricGone, translated } from './failures';
import { recordImportRunStart, type ImportRunStart } from './metric-bookkeeping.activities';
import { whileHeartbeating } from './heartbeat';
import { stageDatapoints } from './staging';

export interface RunLookResult {
  lookId: string;
  rowsRead: number;
  datapoints: number;
  skipped: number;
  skipReasons: Record<string, number>;
  possiblyTruncated: boolean;
  firstDate: string | null;
  lastDate: string | null;
}

/** Import now and a source change always want the Look as it is now; see docs/workflow.md. */
function freshnessOf(run: { kind: ImportRunKind; scheduledFor: Date }): Freshness {
  if (run.kind === 'scheduled') return { kind: 'scheduled', dueAtMs: run.scheduledFor.getTime() };
  if (run.kind === 'backfill') return { kind: 'backfill' };
  return { kind: 'fresh' };
}

/**
 * The workflow clock (the Temporal server's, skipped in tests) as an activity can tell it: the
 * instant this attempt was scheduled plus the time since it started here. Never later than the
 * server's own clock, so a result dated by it is never taken for fresher than it is.
 */
function workflowClock(attemptScheduledMs: number): () => number {
  const startedHere = Date.now();
  return () => attemptScheduledMs + (Date.now() - startedHere);
}

/** Activities that talk to Looker. Tokens stay in the shared store; only expiries and counts leave. */
export function createLookerActivities(deps: ActivityDeps) {
  const { db, logger, lookerClients } = deps;

  const clientFor = async (integrationId: string) => {
    const client = await lookerClients.forIntegration(integrationId);
    if (!client) {
      throw ApplicationFailure.create({
        type: FailureType.MetricGone,
        message: `Integration ${integrationId} no longer exists.`,
        nonRetryable: true,
      });
    }
    return client;
  };

  return {
    /**
     * Makes sure the integration has a valid token in the shared store; returns only its expiry.
     * Given `start`, first records the import run's start (one activity fewer per import).
     */
    acquireLookerToken(input: { integrationId: string } | { start: ImportRunStart }): Promise<{ expiresAt: string }> {
      return translated(logger, 'acquireLookerToken', () =>
        whileHeartbeating(async () => {
          const { integrationId } = 'start' in input ? await recordImportRunStart(db, input.start) : input;
          const { expiresAt } = await (await clientFor(integrationId)).ensureToken();
          return { expiresAt: expiresAt.toISOString() };
        }),
      );
    },

    /** Runs the run's Look, parses it by the run's fields and stages the datapoints under the run. */
    runLook({ importRunId }: { importRunId: string }): Promise<RunLookResult> {
      return translated(logger, 'runLook', async () => {
        const [row] = await db
          .select({ run: importRuns, integrationId: metrics.integrationId })
          .from(importRuns)
          .innerJoin(metrics, eq(metrics.id, importRuns.metricId))
          .where(eq(importRuns.id, importRunId));
        if (!row) throw metricGone(importRunId);
        const { run } = row;
        const client = await clientFor(row.integrationId);
        // Cancelled (heartbeat timeout, workflow terminated): the Looker query is abandoned and
        // nothing is staged, so an attempt the workflow no longer waits for leaves no rows behind.
        const { cancellationSignal, info } = Context.current();
        // One Look run serves every import of this Look due together; waiting for it (or for a
        // query slot) heartbeats and is no failure.
        const rows = await whileHeartbeating(() =>
          deps.sharedLookResults.rows({
            integrationId: row.integrationId,
            lookId: run.lookId,
            limit: deps.maxRows,
            fields: [run.dateField, run.valueField],
            freshness: freshnessOf(run),
            workflowNow: workflowClock(info.currentAttemptScheduledTimestampMs),
            signal: cancellationSignal,
            run: (fields) => client.runLookAllColumns(run.lookId, { limit: deps.maxRows, fields, signal: cancellationSignal }),
          }),
        );
        cancellationSignal.throwIfAborted();
        const parsed = parseLookRows(rows, { dateField: run.dateField, valueField: run.valueField, limit: deps.maxRows });
        const staged = await whileHeartbeating(() => stageDatapoints(db, importRunId, parsed.datapoints));
        if (!staged) {
          throw ApplicationFailure.create({
            type: FailureType.RunClosed,
            nonRetryable: true,
            message: `Import run ${importRunId} is already finished: this late attempt staged nothing.`,
          });
        }
        deps.prometheus.lookRowsRead.inc(parsed.rowsRead);
        for (const [reason, n] of Object.entries(parsed.skipped)) deps.prometheus.rowsSkipped.inc({ reason }, n);
        const skipped = Object.values(parsed.skipped).reduce((sum, n) => sum + n, 0);
        const warnings = parsed.possiblyTruncated
          ? [
              `The Look returned exactly ${deps.maxRows} rows, the import's row limit: older history may be missing, and a full import cut off this way deletes no stored dates. Raise LOOKER_MAX_ROWS or filter the Look.`,
            ]
          : [];
        const firstDate = parsed.datapoints[0]?.date ?? null;
        const lastDate = parsed.datapoints.at(-1)?.date ?? null;
        await db
          .update(importRuns)
          .set({ rowsRead: parsed.rowsRead, skipped, skipReasons: parsed.skipped, warnings, firstDate, lastDate })
          .where(eq(importRuns.id, importRunId));
        logger.info({ importRunId, rowsRead: parsed.rowsRead, datapoints: parsed.datapoints.length, skipped }, 'look run staged');
        return { lookId: run.lookId, rowsRead: parsed.rowsRead, datapoints: parsed.datapoints.length, skipped, skipReasons: parsed.skipped, possiblyTruncated: parsed.possiblyTruncated, firstDate, lastDate };
      });
    },

    /**
     * Validates a source change against Looker (the Look exists and has both fields) before saving
     * it; a refused change fails the update and leaves the stored config untouched.
     *
     * Idempotent and ordered: the save is a compare-and-set on the config version this attempt read,
     * and a source change stores its `changeId`. A retry of a change an earlier attempt committed
     * finds its id and reports the change (so the workflow still queues the re-import); an attempt
     * that lost to a newer change (it outlived its timeout) saves nothing.
     */
    applySourceConfig(input: { metricId: string; change: SourceConfigChange; changeId?: string }): Promise<{ configVersion: number; sourceChanged: boolean }> {
      return translated(logger, 'applySourceConfig', async () => {
        const [metric] = await db.select().from(metrics).where(eq(metrics.id, input.metricId));
        if (!metric) throw metricGone(input.metricId);
        const appliedEarlier = (row: { sourceChangeId: string | null }) => input.changeId !== undefined && row.sourceChangeId === input.changeId;
        if (appliedEarlier(metric)) return { configVersion: metric.configVersion, sourceChanged: true };
        const next = {
          lookId: input.change.lookId ?? metric.lookId,
          dateField: input.change.dateField ?? metric.dateField,
          valueField: input.change.valueField ?? metric.valueField,
        };
        const sourceChanged = next.lookId !== metric.lookId || next.dateField !== metric.dateField || next.valueField !== metric.valueField;
        if (sourceChanged) {
          const client = await clientFor(metric.integrationId);
          // Fresh, like the import the change starts: the Look may have just been edited in Looker.
          const fields = await client.lookFields(next.lookId, { fresh: true });
          const names = fields.map((field) => field.name);
          for (const key of ['dateField', 'valueField'] as const) {
            if (!names.includes(next[key])) {
              throw ApplicationFailure.create({
                type: FailureType.LookResultUnusable,
                nonRetryable: true,
                message: `${key}: Look ${next.lookId} has no field "${next[key]}". Its fields are: ${names.join(', ')}.`,
              });
            }
          }
        }
        const [saved] = await db
          .update(metrics)
          .set({
            ...next,
            ...(input.change.name ? { name: input.change.name } : {}),
            ...(sourceChanged ? { configVersion: metric.configVersion + 1, sourceChangeId: input.changeId ?? null } : {}),
            updatedAt: new Date(),
          })
          .where(and(eq(metrics.id, metric.id), eq(metrics.configVersion, metric.configVersion)))
          .returning({ configVersion: metrics.configVersion });
        if (saved) return { configVersion: saved.configVersion, sourceChanged };
        const [current] = await db.select().from(metrics).where(eq(metrics.id, input.metricId));
        if (!current) throw metricGone(input.metricId);
        if (appliedEarlier(current)) return { configVersion: current.configVersion, sourceChanged: true };
        throw ApplicationFailure.create({
          type: FailureType.SourceConfigConflict,
          message: `The source of metric ${metric.id} changed while this change was being checked; it was not saved.`,
        });
      });
    },
  };
}
