import { eq } from 'drizzle-orm';
import type { Db } from '../../src/db/client';
import { sharedLookResults } from '../../src/db/schema';
import type { EmulatorControl, EmulatorCounters } from '../../src/looker-emulator';

/** What the emulator saw during one measurement: read from its counters, never assumed. */
export interface LookerLoad {
  /** Every Look run that produced a result, field checks included. */
  lookRuns: number;
  /** Of those, one-row json_detail runs: the create's field check (however the code caches them). */
  fieldCheckRuns: number;
  logins: number;
  peakConcurrentRuns: number;
  /** Every request by route, for anything the summary does not name. */
  requests: Record<string, number>;
}

const runRoute = '/looks/:look_id/run/:result_format';

export function lookerLoad(counters: EmulatorCounters): LookerLoad {
  return {
    lookRuns: Object.values(counters.runs).reduce((sum, n) => sum + n, 0),
    fieldCheckRuns: Object.entries(counters.requestsByPath)
      .filter(([path]) => path.startsWith('GET ') && path.endsWith('/run/json_detail'))
      .reduce((sum, [, n]) => sum + n, 0),
    logins: counters.logins,
    peakConcurrentRuns: counters.peakRunsInFlight,
    requests: counters.requests,
  };
}

/** Delays every Look run by `ms` (the warehouse's query time); returns the undo. */
export function delayLookRuns(control: EmulatorControl, ms: number): () => void {
  if (ms <= 0) return () => undefined;
  const fault = control.addFault({ type: 'latency', ms, match: { route: runRoute } });
  return () => void control.removeFault(fault.id);
}

/**
 * Each measurement starts without the Look results an earlier one left to share: a backfill may
 * reuse a result minutes old, which would let a later pass skip its Look runs.
 */
export async function forgetSharedLookResults(db: Db, integrationId: string): Promise<void> {
  await db.delete(sharedLookResults).where(eq(sharedLookResults.integrationId, integrationId));
}
