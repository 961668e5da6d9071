import type { Db } from '../db/client';
import type { LookerClientFactory } from '../looker/client-factory';
import type { SharedLookResults } from '../looker/shared-look-results';
import type { Logger } from '../logger';
import type { PrometheusMetrics } from '../observability/prometheus';

export interface ActivityDeps {
  db: Db;
  lookerClients: LookerClientFactory;
  logger: Logger;
  /** Upper bound of rows asked from Looker per import (`LOOKER_MAX_ROWS`). */
  maxRows: number;
  /** One Look run serves every import of the same (integration, Look, row limit) due together. */
  sharedLookResults: SharedLookResults;
  /** Counts imports, rows, datapoints and failed attempts (docs/operations.md, "Metrics"). */
  prometheus: PrometheusMetrics;
}
