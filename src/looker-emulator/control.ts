import type { EmulatorCounters } from './counters';
import type { EmulatorEnv } from './env';
import type { Fault, FaultInput } from './faults';
import type { Row } from './types';

/** Test-time levers and gauges; also served over HTTP under /__emulator (see control-http.ts). */
export interface EmulatorControl {
  /** Installs a fault (latency, error, rate-limit, hang, malformed-json); returns it with its id. */
  addFault(fault: FaultInput): Fault;
  /** Removes a fault; requests it left hanging then carry on normally. */
  removeFault(id: string): boolean;
  clearFaults(): void;
  listFaults(): Fault[];
  /** Expires every live token now (next call gets 401); returns how many were live. */
  expireTokens(): number;
  /** Lifetime of new tokens; live tokens are cut to issue time + seconds if that is sooner. */
  setTokenTtl(seconds: number): void;
  counters(): EmulatorCounters;
  resetCounters(): void;
  /** Replaces a Look's data with these rows (flat rows keyed by field name). */
  setLookRows(lookId: string, rows: Row[]): void;
  /** Adds rows after the Look's current data (sorting still applies). */
  appendLookRows(lookId: string, rows: Row[]): void;
  /** Soft-deletes a Look: 404 on get/run, listed only by search?deleted=true. */
  deleteLook(lookId: string): void;
  restoreLook(lookId: string): void;
  /** Back to the seed: faults cleared, counters zeroed, Looks restored, token TTL reset. Live tokens stay valid. */
  reset(): void;
}

export function createControl(env: EmulatorEnv, defaultTtlSeconds: number): EmulatorControl {
  return {
    addFault: (fault) => env.faults.add(fault),
    removeFault: (id) => env.faults.remove(id),
    clearFaults: () => env.faults.clear(),
    listFaults: () => env.faults.list(),
    expireTokens: () => env.tokens.expireAll(),
    setTokenTtl(seconds) {
      if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError('token ttl must be a non-negative number of seconds');
      env.tokens.setTtl(seconds);
    },
    counters: () => env.counters.snapshot(),
    resetCounters: () => env.counters.reset(),
    setLookRows: (id, rows) => env.looks.replaceRows(id, rows),
    appendLookRows: (id, rows) => env.looks.appendRows(id, rows),
    deleteLook: (id) => env.looks.softDelete(id, env.now().getTime()),
    restoreLook: (id) => env.looks.restore(id),
    reset() {
      env.faults.clear();
      env.counters.reset();
      env.looks.reset();
      env.tokens.setTtl(defaultTtlSeconds);
    },
  };
}
