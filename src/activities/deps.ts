import type { Db } from '../db/client';
import type { LookerClientFactory } from '../looker/client-factory';
import type { Logger } from '../logger';

export interface ActivityDeps {
  db: Db;
  lookerClients: LookerClientFactory;
  logger: Logger;
  /** Upper bound of rows asked from Looker per import (`LOOKER_MAX_ROWS`). */
  maxRows: number;
}
