import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * The Prometheus series one process records (docs/operations.md, "Metrics"), on a registry of its
 * own so that tests and in-process stacks never share counts. Labels are bounded by construction:
 * route templates, endpoint templates, enum values; never an id, a tenant's text or a datapoint value.
 */
export interface PrometheusMetrics {
  registry: Registry;
  httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  imports: Counter<'kind' | 'outcome'>;
  lookRowsRead: Counter;
  rowsSkipped: Counter<'reason'>;
  datapoints: Counter<'change'>;
  lookerRequestDuration: Histogram<'endpoint' | 'outcome'>;
  lookerQuerySlotWait: Histogram<'outcome'>;
  activityFailures: Counter<'activity' | 'failure_type' | 'retryable'>;
}

export const prometheusPrefix = 'metric_importer_';

export function createPrometheusMetrics(): PrometheusMetrics {
  const registry = new Registry();
  // Process CPU, memory, event-loop lag and GC, under their usual names (process_*, nodejs_*).
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: `${prometheusPrefix}http_request_duration_seconds`,
      help: 'HTTP requests the API answered, by method, route template and status, and how long each took.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    imports: new Counter({
      name: `${prometheusPrefix}imports_total`,
      help: 'Imports finished, by kind (backfill, scheduled, manual, config_change) and outcome (succeeded, failed).',
      labelNames: ['kind', 'outcome'],
      registers,
    }),
    lookRowsRead: new Counter({
      name: `${prometheusPrefix}look_rows_read_total`,
      help: 'Rows read from Look runs and parsed into datapoints (every attempt counts).',
      registers,
    }),
    rowsSkipped: new Counter({
      name: `${prometheusPrefix}look_rows_skipped_total`,
      help: 'Rows of Look runs that became no datapoint, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    datapoints: new Counter({
      name: `${prometheusPrefix}datapoints_total`,
      help: 'Datapoints written by merged imports, by change (inserted, updated, unchanged, deleted).',
      labelNames: ['change'],
      registers,
    }),
    lookerRequestDuration: new Histogram({
      name: `${prometheusPrefix}looker_request_duration_seconds`,
      help: 'Looker API calls by endpoint template and outcome, and the time until Looker answered (headers).',
      labelNames: ['endpoint', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    }),
    lookerQuerySlotWait: new Histogram({
      name: `${prometheusPrefix}looker_query_slot_wait_seconds`,
      help: "Time a Looker query waited for one of its integration's query slots, by outcome (acquired, timed_out, cancelled).",
      labelNames: ['outcome'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300],
      registers,
    }),
    activityFailures: new Counter({
      name: `${prometheusPrefix}activity_failures_total`,
      help: 'Failed activity attempts by activity and failure type; retryable="true" ones are retried by Temporal.',
      labelNames: ['activity', 'failure_type', 'retryable'],
      registers,
    }),
  };
}
