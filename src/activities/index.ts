import type { ActivityDeps } from './deps';
import { countingFailures } from './failure-counter';
import { createLookerActivities } from './looker.activities';
import { createBookkeepingActivities } from './metric-bookkeeping.activities';
import { createUpsertActivities } from './upsert.activities';

export type { ActivityDeps } from './deps';

/** Every activity the metric workflow calls, built once per worker with its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return countingFailures(deps.prometheus, {
    ...createBookkeepingActivities(deps),
    ...createLookerActivities(deps),
    ...createUpsertActivities(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
