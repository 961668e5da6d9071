import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { metrics, sharedLookResults } from '../db/schema';
import type { Logger } from '../logger';
import type { FailureTypeName } from '../shared/failure-types';
import { type LookRunRows, pickFields } from './client';
import { LookerError } from './errors';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** How long a waiting import sleeps between looks at the shared run (grows to the maximum, with jitter). */
const pollMs = { first: 50, max: 1_000 };
/** Stored outcomes are deleted this long after they were written, or after the backfill window if longer. */
const minRetentionMs = 5 * 60_000;

/**
 * Which stored result an import may use (docs/workflow.md, "Shared Look runs"):
 * - `fresh` (import now, source change): only a run that started after this import asked;
 * - `scheduled`: a run fetched at or after the import's due instant, on the workflow's clock;
 * - `backfill`: a run at most the backfill window old.
 * Every kind also takes a run that started after it asked; a Looker failure only from such a run
 * or from the run it waited for.
 */
export type Freshness = { kind: 'fresh' } | { kind: 'scheduled'; dueAtMs: number } | { kind: 'backfill' };

export interface SharedLookRunRequest {
  integrationId: string;
  lookId: string;
  /** The run's row limit: part of the key, since a result cut at another limit is another result. */
  limit: number;
  /** The fields this import parses; the rows come back keeping these (and the first row whole). */
  fields: readonly string[];
  freshness: Freshness;
  /** The workflow clock's "now" as the activity can tell it: never later than the server's. */
  workflowNow: () => number;
  signal: AbortSignal;
  /**
   * Runs the Look keeping every column while the rows fit the bound of `fields` (this import's and
   * those of every metric on the Look), else `fields` only (`LookerClient.runLookAllColumns`).
   */
  run: (fields: readonly string[]) => Promise<LookRunRows>;
}

export interface SharedLookResults {
  /** The Look's rows as `run` returns them, from a run shared with every import due together. */
  rows(request: SharedLookRunRequest): Promise<unknown>;
}

interface StoredFailure {
  type: string;
  message: string;
  details: Record<string, unknown>;
}

/**
 * Coalesces Look runs across workers with a row per (integration, Look, row limit): the first
 * import takes the row's lease (renewed while it runs), runs the Look once for the fields of every
 * metric on it, and stores the rows gzipped; the others poll the row and use the stored rows when
 * they are fresh enough for them. A holder that dies renews nothing: its lease expires and a
 * waiter runs the Look itself. Only what the client already bounded is stored, and only briefly.
 */
export function createSharedLookResults(deps: { db: Db; logger: Logger; leaseMs: number; backfillMaxAgeMs: number }): SharedLookResults {
  const { db, leaseMs, backfillMaxAgeMs } = deps;
  const retentionMs = Math.max(backfillMaxAgeMs, minRetentionMs);
  const leaseExpiry = sql`now() + ${leaseMs} * interval '1 millisecond'`;
  const keyOf = (request: SharedLookRunRequest) =>
    and(eq(sharedLookResults.integrationId, request.integrationId), eq(sharedLookResults.lookId, request.lookId), eq(sharedLookResults.rowLimit, request.limit));

  /** The stored outcome (without the rows) and the database's clock. */
  const readState = async (request: SharedLookRunRequest) => {
    const rows = await db.execute<{
      fields: string[] | null;
      has_result: boolean | null;
      failure: StoredFailure | null;
      fetched_at: string | null;
      fetched_at_workflow_ms: string | null;
      updated_at: string | null;
      now: string;
    }>(sql`
      select s.fields, s.result is not null as has_result, s.failure, s.fetched_at, s.fetched_at_workflow_ms, s.updated_at, now() as now
      from (select 1) as one
      left join ${sharedLookResults} s on s.integration_id = ${request.integrationId} and s.look_id = ${request.lookId} and s.row_limit = ${request.limit}`);
    const row = rows[0]!;
    return {
      now: new Date(row.now).getTime(),
      fields: row.fields ?? [],
      hasResult: row.has_result === true,
      failure: row.failure,
      fetchedAt: row.fetched_at === null ? undefined : new Date(row.fetched_at).getTime(),
      fetchedAtWorkflowMs: row.fetched_at_workflow_ms === null ? undefined : Number(row.fetched_at_workflow_ms),
      storedAt: row.updated_at === null ? undefined : new Date(row.updated_at).getTime(),
      rawFetchedAt: row.fetched_at,
    };
  };
  type State = Awaited<ReturnType<typeof readState>>;

  /**
   * What the stored outcome means for this import: its rows, its failure, or nothing usable.
   * `askedAt`: when it first looked; `waitingSince`: when it first found another run in flight.
   */
  const usableOutcome = (state: State, request: SharedLookRunRequest, askedAt: number, waitingSince: number | undefined): 'rows' | 'failure' | undefined => {
    if (state.fetchedAt === undefined) return undefined;
    const startedAfterAsking = state.fetchedAt >= askedAt;
    if (state.failure) {
      // Only the failure of a run it waited for: a retry later asks Looker again.
      const storedWhileWaiting = waitingSince !== undefined && state.storedAt !== undefined && state.storedAt >= waitingSince;
      return startedAfterAsking || storedWhileWaiting ? 'failure' : undefined;
    }
    if (!state.hasResult || !request.fields.every((field) => state.fields.includes(field))) return undefined;
    if (startedAfterAsking) return 'rows';
    const { freshness } = request;
    if (freshness.kind === 'scheduled') return state.fetchedAtWorkflowMs !== undefined && state.fetchedAtWorkflowMs >= freshness.dueAtMs ? 'rows' : undefined;
    if (freshness.kind === 'backfill') return state.now - state.fetchedAt <= backfillMaxAgeMs ? 'rows' : undefined;
    return undefined;
  };

  const use = async (state: State, outcome: 'rows' | 'failure', request: SharedLookRunRequest): Promise<{ rows: unknown } | undefined> => {
    if (outcome === 'failure') {
      const { type, message, details } = state.failure!;
      throw new LookerError(type as FailureTypeName, message, details);
    }
    // The outcome judged above, not a newer one that replaced it meanwhile (then look again).
    const [stored] = await db
      .select({ result: sharedLookResults.result })
      .from(sharedLookResults)
      .where(and(keyOf(request), sql`${sharedLookResults.fetchedAt} = ${state.rawFetchedAt}::timestamptz`));
    if (!stored?.result) return undefined;
    return { rows: JSON.parse((await gunzipAsync(stored.result)).toString('utf8')) as unknown };
  };

  /** Takes the lease unless someone holds a live one; returns the database time it was taken. */
  const tryLease = async (request: SharedLookRunRequest, holder: string): Promise<Date | undefined> => {
    const rows = await db.execute<{ leased_at: string }>(sql`
      insert into ${sharedLookResults} (integration_id, look_id, row_limit, lease_holder, lease_expires_at)
      values (${request.integrationId}, ${request.lookId}, ${request.limit}, ${holder}, ${leaseExpiry})
      on conflict (integration_id, look_id, row_limit) do update
        set lease_holder = excluded.lease_holder, lease_expires_at = excluded.lease_expires_at
        where ${sharedLookResults}.lease_expires_at is null or ${sharedLookResults}.lease_expires_at <= now()
      returning now() as leased_at`);
    return rows[0] ? new Date(rows[0].leased_at) : undefined;
  };
  const held = (request: SharedLookRunRequest, holder: string) => and(keyOf(request), eq(sharedLookResults.leaseHolder, holder));
  const release = (request: SharedLookRunRequest, holder: string) =>
    db.update(sharedLookResults).set({ leaseHolder: null, leaseExpiresAt: null }).where(held(request, holder));

  /** The fields of every metric on the Look, so that one run serves them all, plus this import's. */
  const fieldsToKeep = async (request: SharedLookRunRequest): Promise<string[]> => {
    const rows = await db
      .selectDistinct({ dateField: metrics.dateField, valueField: metrics.valueField })
      .from(metrics)
      .where(and(eq(metrics.integrationId, request.integrationId), eq(metrics.lookId, request.lookId)));
    return [...new Set([...request.fields, ...rows.flatMap((row) => [row.dateField, row.valueField])])].sort();
  };

  /**
   * The fields the stored rows can serve: those asked for, and with every column kept, the columns
   * of the Look (the first row's), so a metric created later on another column uses the run too.
   */
  const keptFields = (inUse: string[], run: LookRunRows): string[] => {
    const first: unknown = run.allColumns && Array.isArray(run.rows) ? run.rows[0] : undefined;
    const columns = first !== null && typeof first === 'object' && !Array.isArray(first) ? Object.keys(first) : [];
    return [...new Set([...inUse, ...columns])].sort();
  };

  const lead = async (request: SharedLookRunRequest, holder: string, leasedAt: Date): Promise<unknown> => {
    const fetchedAtWorkflowMs = request.workflowNow();
    const renew = setInterval(() => {
      db.update(sharedLookResults)
        .set({ leaseExpiresAt: leaseExpiry })
        .where(held(request, holder))
        .catch((error: unknown) => deps.logger.warn({ lookId: request.lookId, err: error }, 'could not renew a shared Look run lease'));
    }, leaseMs / 3);
    let rows: unknown;
    let fields: string[];
    try {
      const inUse = await fieldsToKeep(request);
      const run = await request.run(inUse);
      rows = run.rows;
      fields = keptFields(inUse, run);
    } catch (error) {
      clearInterval(renew);
      // A Looker failure is what every waiter would have met; an abandoned or internal one is not.
      const failure = error instanceof LookerError && !request.signal.aborted ? { type: error.type, message: error.message, details: { ...error.details } } : undefined;
      await (failure ? store(request, holder, { failure, fields: null, result: null }, leasedAt, fetchedAtWorkflowMs) : release(request, holder)).catch(
        (storeError: unknown) => deps.logger.warn({ lookId: request.lookId, err: storeError }, 'could not hand back a shared Look run lease; it expires by itself'),
      );
      throw error;
    }
    clearInterval(renew);
    try {
      const result = await gzipAsync(JSON.stringify(rows));
      await store(request, holder, { result, failure: null, fields }, leasedAt, fetchedAtWorkflowMs);
    } catch (error) {
      // This import has its rows; the others run the Look themselves once the lease expires.
      deps.logger.warn({ lookId: request.lookId, err: error }, 'could not store a shared Look result');
    }
    return rows;
  };

  const store = async (
    request: SharedLookRunRequest,
    holder: string,
    outcome: { result: Buffer | null; failure: StoredFailure | null; fields: string[] | null },
    leasedAt: Date,
    fetchedAtWorkflowMs: number,
  ) => {
    await db
      .update(sharedLookResults)
      .set({ ...outcome, fetchedAt: leasedAt, fetchedAtWorkflowMs, leaseHolder: null, leaseExpiresAt: null, updatedAt: sql`now()` })
      .where(held(request, holder));
    // Clean-up rides on each store: outcomes past the sharing window, whoever wrote them.
    await db.execute(sql`
      delete from ${sharedLookResults}
      where updated_at < now() - ${retentionMs} * interval '1 millisecond'
        and (lease_expires_at is null or lease_expires_at <= now())`);
  };

  return {
    async rows(request) {
      const project = (rows: unknown): unknown => (Array.isArray(rows) ? rows.map((row: unknown, index) => (index === 0 ? row : pickFields(row, request.fields))) : rows);
      const holder = randomUUID();
      let askedAt: number | undefined;
      let waitingSince: number | undefined;
      for (let wait = pollMs.first; ; wait = Math.min(wait * 2, pollMs.max)) {
        request.signal.throwIfAborted();
        const state = await readState(request);
        askedAt ??= state.now;
        const outcome = usableOutcome(state, request, askedAt, waitingSince);
        const used = outcome && (await use(state, outcome, request));
        if (used) return project(used.rows);
        const leasedAt = await tryLease(request, holder);
        if (leasedAt) {
          // An outcome may have been stored between the look above and the lease.
          const again = await readState(request);
          const late = usableOutcome(again, request, askedAt, waitingSince);
          const lateUse = late && (await use(again, late, request).catch(async (error: unknown) => {
            await release(request, holder);
            throw error;
          }));
          if (lateUse) {
            await release(request, holder);
            return project(lateUse.rows);
          }
          return project(await lead(request, holder, leasedAt));
        }
        waitingSince ??= state.now;
        await sleep(wait / 2 + Math.random() * (wait / 2), undefined, { signal: request.signal }).catch((error: unknown) => {
          request.signal.throwIfAborted();
          throw error;
        });
      }
    },
  };
}
