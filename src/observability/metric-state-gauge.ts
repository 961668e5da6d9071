import { count } from 'drizzle-orm';
import { Gauge, Registry } from 'prom-client';
import type { Db } from '../db/client';
import { metrics, metricStates } from '../db/schema';
import type { Logger } from '../logger';
import { prometheusPrefix } from './prometheus';

export const metricStateGaugeName = `${prometheusPrefix}metrics`;

/**
 * A registry holding one gauge, the number of metrics in each state, counted in Postgres when
 * scraped (one grouped count over the metrics table). Every state is reported, zeros included, so
 * alerts on `needs_attention` see 0 rather than nothing. If Postgres does not answer, the gauge is
 * left out of that scrape rather than repeating old figures.
 */
export function createMetricStateRegistry(db: Db, logger: Logger): Registry {
  const registry = new Registry();
  new Gauge({
    name: metricStateGaugeName,
    help: 'Metrics (imported KPIs) by state: backfilling, active, paused, needs_attention. Counted in Postgres at scrape time.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const rows = await db.select({ state: metrics.state, n: count() }).from(metrics).groupBy(metrics.state);
        const byState = new Map(rows.map((row) => [row.state, row.n]));
        for (const state of metricStates) this.set({ state }, byState.get(state) ?? 0);
      } catch (error) {
        logger.warn({ err: error }, 'could not count metrics by state for /metrics');
      }
    },
  });
  return registry;
}
