import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { integrations, lookerQuerySlots } from '../db/schema';
import type { Logger } from '../logger';
import { lookerErrors } from './errors';

/** Looker's own limit is 15 concurrent queries per user; the default leaves room for people. */
export const defaultMaxConcurrentQueries = 8;

/** How long a waiting query sleeps between tries for a slot (grows to the maximum, with jitter). */
const pollMs = { first: 50, max: 1_000 };

/** Runs Looker queries of one integration so that at most its cap run at once over all workers. */
export interface QueryGate {
  /**
   * Runs `fn` once a slot is free. Waiting is not a failure: it ends with the slot, with `signal`
   * (its reason is thrown), or after `maxWaitMs` with a RateLimited LookerError (querySlotsBusy).
   */
  run<T>(fn: () => Promise<T>, options?: { signal?: AbortSignal; maxWaitMs?: number }): Promise<T>;
}

export interface QuerySlots {
  gate(integrationId: string): QueryGate;
}

/**
 * Per-integration query slots in Postgres: a row per running query, taken under a transaction-scoped
 * advisory lock on the integration (so two workers never both take the last slot), with a lease the
 * holder renews while its query runs. A killed worker renews nothing, so its slot frees itself when
 * the lease expires; the next taker deletes it. The cap is read from the integration on every try,
 * so a changed cap applies at once.
 */
export function createQuerySlots(deps: {
  db: Db;
  logger: Logger;
  leaseMs: number;
  /** Told how long each query waited for its slot and how the wait ended. */
  onWait?: (seconds: number, outcome: 'acquired' | 'timed_out' | 'cancelled') => void;
}): QuerySlots {
  const { db, leaseMs } = deps;

  const tryTake = (integrationId: string, holder: string): Promise<boolean> =>
    db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext('looker_query_slots'), hashtext(${integrationId}))`);
      await tx.delete(lookerQuerySlots).where(and(eq(lookerQuerySlots.integrationId, integrationId), sql`${lookerQuerySlots.leaseExpiresAt} <= now()`));
      const taken = await tx.execute(sql`
        insert into ${lookerQuerySlots} (integration_id, holder, lease_expires_at)
        select ${integrationId}, ${holder}, now() + ${leaseMs} * interval '1 millisecond'
        from ${integrations}
        where ${integrations.id} = ${integrationId}
          and (select count(*) from ${lookerQuerySlots} where ${lookerQuerySlots.integrationId} = ${integrationId}) < ${integrations.maxConcurrentQueries}
        returning holder`);
      return taken.length === 1;
    });
  const where = (integrationId: string, holder: string) => and(eq(lookerQuerySlots.integrationId, integrationId), eq(lookerQuerySlots.holder, holder));

  return {
    gate(integrationId) {
      return {
        async run(fn, options = {}) {
          const holder = randomUUID();
          const waitStarted = performance.now();
          const waited = (outcome: 'acquired' | 'timed_out' | 'cancelled') => deps.onWait?.((performance.now() - waitStarted) / 1000, outcome);
          const deadline = options.maxWaitMs === undefined ? undefined : Date.now() + options.maxWaitMs;
          for (let wait = pollMs.first; !(await tryTake(integrationId, holder)); wait = Math.min(wait * 2, pollMs.max)) {
            if (deadline !== undefined && Date.now() >= deadline) {
              waited('timed_out');
              throw lookerErrors.querySlotsBusy(options.maxWaitMs!);
            }
            // Jitter spreads the pollers of many waiting imports.
            await sleep(wait / 2 + Math.random() * (wait / 2), undefined, { signal: options.signal }).catch((error: unknown) => {
              waited('cancelled');
              options.signal?.throwIfAborted();
              throw error;
            });
          }
          waited('acquired');
          const renew = setInterval(() => {
            db.update(lookerQuerySlots)
              .set({ leaseExpiresAt: sql`now() + ${leaseMs} * interval '1 millisecond'` })
              .where(where(integrationId, holder))
              .catch((error: unknown) => deps.logger.warn({ integrationId, err: error }, 'could not renew a Looker query slot'));
          }, leaseMs / 3);
          try {
            return await fn();
          } finally {
            clearInterval(renew);
            await db
              .delete(lookerQuerySlots)
              .where(where(integrationId, holder))
              .catch((error: unknown) => deps.logger.warn({ integrationId, err: error }, 'could not release a Looker query slot; it frees itself when its lease expires'));
          }
        },
      };
    },
  };
}
