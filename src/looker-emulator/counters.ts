export interface EmulatorCounters {
  /** Successful POST /login calls. */
  logins: number;
  /** POST /login calls rejected for bad or missing credentials. */
  failedLogins: number;
  /** Successful DELETE /logout calls. */
  logouts: number;
  /** Look runs that produced a result (200), by Look id. */
  runs: Record<string, number>;
  /** Run requests between arrival and response end (latency, hangs and faults included). */
  runsInFlight: number;
  peakRunsInFlight: number;
  /** Every request, by "METHOD /route/:template" (e.g. "GET /looks/:look_id/run/:result_format"). */
  requests: Record<string, number>;
  /** Every request, by "METHOD /concrete/path" (e.g. "GET /looks/1/run/json"). */
  requestsByPath: Record<string, number>;
}

export class Counters {
  private state = Counters.empty();

  private static empty(): EmulatorCounters {
    return { logins: 0, failedLogins: 0, logouts: 0, runs: {}, runsInFlight: 0, peakRunsInFlight: 0, requests: {}, requestsByPath: {} };
  }

  /** A deep copy, so callers can compare snapshots. */
  snapshot(): EmulatorCounters {
    return structuredClone(this.state);
  }

  /** Zeroes everything except runs currently in flight, which are still real. */
  reset(): void {
    const inFlight = this.state.runsInFlight;
    this.state = Counters.empty();
    this.state.runsInFlight = inFlight;
    this.state.peakRunsInFlight = inFlight;
  }

  request(route: string, path: string): void {
    this.state.requests[route] = (this.state.requests[route] ?? 0) + 1;
    this.state.requestsByPath[path] = (this.state.requestsByPath[path] ?? 0) + 1;
  }

  login(ok: boolean): void {
    if (ok) this.state.logins++;
    else this.state.failedLogins++;
  }

  logout(): void {
    this.state.logouts++;
  }

  run(lookId: string): void {
    this.state.runs[lookId] = (this.state.runs[lookId] ?? 0) + 1;
  }

  runStarted(): void {
    this.state.runsInFlight++;
    this.state.peakRunsInFlight = Math.max(this.state.peakRunsInFlight, this.state.runsInFlight);
  }

  runEnded(): void {
    this.state.runsInFlight = Math.max(0, this.state.runsInFlight - 1);
  }
}
