import { stageRunDatapoints, type StagedPoint } from '../db/datapoint-merge';
import type { Db } from '../db/client';

/**
 * Stages a run's parsed rows for `upsertDatapoints`, in one transaction; false when the run is no
 * longer open (see `stageRunDatapoints`).
 */
export function stageDatapoints(db: Db, importRunId: string, datapoints: readonly StagedPoint[]): Promise<boolean> {
  return db.transaction((tx) => stageRunDatapoints(tx, importRunId, datapoints));
}
