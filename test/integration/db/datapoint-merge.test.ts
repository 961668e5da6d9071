import { randomUUID } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { toApplicationFailure } from '../../../src/activities/failures';
import { createDatabase, type Database } from '../../../src/db/client';
import { mergeStagedRun, stageRunDatapoints, type MergeOutcome, type StagedPoint } from '../../../src/db/datapoint-merge';
import { datapoints, importRuns, integrations, metrics, stagedDatapoints, workspaces } from '../../../src/db/schema';

/**
 * The write path's SQL (src/db/datapoint-merge.ts) against real Postgres: what a run stages, what
 * the merge stores and reports, and what retries and refused runs leave behind.
 */
describe('staging and merging a run', () => {
  let database: Database;
  let workspaceId: string;
  let integrationId: string;
  let metricId: string;

  beforeAll(async () => {
    database = createDatabase(inject('databaseUrl'), { max: 2 });
    const [workspace] = await database.db.insert(workspaces).values({ name: `merge ${randomUUID()}` }).returning({ id: workspaces.id });
    workspaceId = workspace!.id;
    integrationId = randomUUID();
    await database.db.insert(integrations).values({
      id: integrationId,
      workspaceId,
      name: 'merge Looker',
      apiEndpoint: 'http://looker.invalid/api/4.0',
      clientId: 'merge',
      clientSecretSealed: 'unused',
      secretKeyId: 'unused',
    });
  });
  afterAll(async () => {
    await database?.close();
  });

  beforeEach(async () => {
    const [metric] = await database.db
      .insert(metrics)
      .values({ workspaceId, integrationId, name: 'revenue', lookId: '1', dateField: 'orders.date', valueField: 'orders.total' })
      .returning({ id: metrics.id });
    metricId = metric!.id;
  });

  async function openRun(configVersion = 1, forMetric = metricId): Promise<string> {
    const id = randomUUID();
    await database.db.insert(importRuns).values({
      id,
      workspaceId,
      metricId: forMetric,
      kind: 'scheduled',
      scheduledFor: new Date('2024-07-01T06:00:00Z'),
      lookId: '1',
      dateField: 'orders.date',
      valueField: 'orders.total',
      configVersion,
    });
    return id;
  }

  const stage = (importRunId: string, points: StagedPoint[]) => database.db.transaction((tx) => stageRunDatapoints(tx, importRunId, points));
  const merge = (importRunId: string, options: { replace?: boolean; discard?: boolean } = {}) =>
    database.db.transaction((tx) => mergeStagedRun(tx, { importRunId, replace: options.replace ?? false, discard: options.discard ?? false }));

  /** Stages the points under a new run and merges them. */
  async function importPoints(points: StagedPoint[], options: { replace?: boolean } = {}): Promise<{ importRunId: string; outcome: MergeOutcome }> {
    const importRunId = await openRun();
    expect(await stage(importRunId, points)).toBe(true);
    return { importRunId, outcome: await merge(importRunId, options) };
  }

  async function stored(): Promise<{ date: string; value: string; importRunId: string }[]> {
    return database.db
      .select({ date: datapoints.date, value: datapoints.value, importRunId: datapoints.importRunId })
      .from(datapoints)
      .where(eq(datapoints.metricId, metricId))
      .orderBy(asc(datapoints.date));
  }

  async function stagedCount(importRunId: string): Promise<number> {
    return database.db.$count(stagedDatapoints, eq(stagedDatapoints.importRunId, importRunId));
  }

  async function recordedCounts(importRunId: string) {
    const [run] = await database.db
      .select({ inserted: importRuns.inserted, updated: importRuns.updated, unchanged: importRuns.unchanged, deleted: importRuns.deleted })
      .from(importRuns)
      .where(eq(importRuns.id, importRunId));
    return run;
  }

  const base: StagedPoint[] = [
    { date: '2024-06-28', value: '10' },
    { date: '2024-06-29', value: '11.5' },
    { date: '2024-06-30', value: '12' },
  ];

  it('inserts every date of a first import, records the counts on the run and clears the stage', async () => {
    const { importRunId, outcome } = await importPoints(base, { replace: true });

    expect(outcome).toEqual({ kind: 'merged', counts: { inserted: 3, updated: 0, unchanged: 0, deleted: 0 }, repeated: false });
    expect(await stored()).toEqual(base.map((point) => ({ ...point, importRunId })));
    expect(await recordedCounts(importRunId)).toEqual({ inserted: 3, updated: 0, unchanged: 0, deleted: 0 });
    expect(await stagedCount(importRunId)).toBe(0);
  });

  it('counts inserted, updated, unchanged and deleted dates of a replacing re-import, and leaves unchanged rows as they were', async () => {
    const first = await importPoints(base, { replace: true });
    const { importRunId, outcome } = await importPoints(
      [
        // 06-28 is gone from the Look, 06-29 changed, 06-30 is equal (written differently), 07-01 is new.
        { date: '2024-06-29', value: '11.75' },
        { date: '2024-06-30', value: '12.00' },
        { date: '2024-07-01', value: '13' },
      ],
      { replace: true },
    );

    expect(outcome).toEqual({ kind: 'merged', counts: { inserted: 1, updated: 1, unchanged: 1, deleted: 1 }, repeated: false });
    expect(await stored()).toEqual([
      { date: '2024-06-29', value: '11.75', importRunId },
      // Numerically equal: not rewritten, so it still names the run that last changed it.
      { date: '2024-06-30', value: '12', importRunId: first.importRunId },
      { date: '2024-07-01', value: '13', importRunId },
    ]);
    expect(await recordedCounts(importRunId)).toEqual({ inserted: 1, updated: 1, unchanged: 1, deleted: 1 });
  });

  it('keeps dates the run does not contain when it does not replace', async () => {
    await importPoints(base, { replace: true });
    const { outcome } = await importPoints([{ date: '2024-07-01', value: '13' }]);

    expect(outcome).toEqual({ kind: 'merged', counts: { inserted: 1, updated: 0, unchanged: 0, deleted: 0 }, repeated: false });
    expect((await stored()).map((point) => point.date)).toEqual(['2024-06-28', '2024-06-29', '2024-06-30', '2024-07-01']);
  });

  it('never wipes stored history with an empty result, even when replacing', async () => {
    await importPoints(base, { replace: true });
    const { importRunId, outcome } = await importPoints([], { replace: true });

    expect(outcome).toEqual({ kind: 'merged', counts: { inserted: 0, updated: 0, unchanged: 0, deleted: 0 }, repeated: false });
    expect(await stored()).toHaveLength(3);
    expect(await recordedCounts(importRunId)).toEqual({ inserted: 0, updated: 0, unchanged: 0, deleted: 0 });
  });

  it('reports the recorded counts on a retry after the merge committed, and writes nothing again', async () => {
    const first = await importPoints(base, { replace: true });
    // The stored series moves on (a later run) before the lost answer's retry arrives.
    await importPoints([{ date: '2024-06-30', value: '99' }]);
    const before = await stored();

    const retried = await merge(first.importRunId, { replace: true });

    expect(retried).toEqual({ ...first.outcome, repeated: true });
    expect(await stored()).toEqual(before);
  });

  it('stages nothing for a run that was already merged (a late attempt)', async () => {
    const { importRunId } = await importPoints(base);

    expect(await stage(importRunId, [{ date: '2024-05-01', value: '1' }])).toBe(false);
    expect(await stagedCount(importRunId)).toBe(0);
  });

  it('replaces the rows of an earlier attempt when a run is staged again', async () => {
    const importRunId = await openRun();
    await stage(importRunId, base);
    await stage(importRunId, [{ date: '2024-06-30', value: '20' }]);

    expect(await merge(importRunId, { replace: true })).toEqual({ kind: 'merged', counts: { inserted: 1, updated: 0, unchanged: 0, deleted: 0 }, repeated: false });
    expect(await stored()).toEqual([{ date: '2024-06-30', value: '20', importRunId }]);
  });

  it('discards a stale run (the source changed after it started) and stores none of its rows', async () => {
    await importPoints(base, { replace: true });
    const importRunId = await openRun(1);
    await stage(importRunId, [{ date: '2024-06-28', value: '500' }]);
    await database.db.update(metrics).set({ configVersion: 2 }).where(eq(metrics.id, metricId));

    expect(await merge(importRunId, { replace: true })).toEqual({ kind: 'discarded', stale: true });
    expect((await stored()).map((point) => point.value)).toEqual(['10', '11.5', '12']);
    expect(await stagedCount(importRunId)).toBe(0);
    expect(await recordedCounts(importRunId)).toEqual({ inserted: 0, updated: 0, unchanged: 0, deleted: 0 });
    // The retry of a discard whose answer was lost is told the same, not "merged, nothing changed".
    expect(await merge(importRunId, { replace: true })).toEqual({ kind: 'discarded', stale: true });
  });

  it('discards a run the workflow refused, without deleting anything', async () => {
    await importPoints(base, { replace: true });
    const importRunId = await openRun();
    await stage(importRunId, [{ date: '2024-06-28', value: '500' }]);

    expect(await merge(importRunId, { replace: true, discard: true })).toEqual({ kind: 'discarded', stale: false });
    expect((await stored()).map((point) => point.value)).toEqual(['10', '11.5', '12']);
    expect(await stagedCount(importRunId)).toBe(0);
    // The workflow fails a refused run whatever the merge answers; a retry stores nothing either.
    expect(await merge(importRunId, { replace: true, discard: true })).toEqual({ kind: 'merged', counts: { inserted: 0, updated: 0, unchanged: 0, deleted: 0 }, repeated: true });
    expect((await stored()).map((point) => point.value)).toEqual(['10', '11.5', '12']);
  });

  it('drops what a run staged when its metric is deleted, and reports the run as gone', async () => {
    const [otherMetric] = await database.db
      .insert(metrics)
      .values({ workspaceId, integrationId, name: 'orders', lookId: '2', dateField: 'orders.date', valueField: 'orders.count' })
      .returning({ id: metrics.id });
    const othersRun = await openRun(1, otherMetric!.id);
    await stage(othersRun, base);
    const importRunId = await openRun();
    await stage(importRunId, base);

    await database.db.delete(metrics).where(eq(metrics.id, metricId));

    expect(await stagedCount(importRunId)).toBe(0);
    expect(await stagedCount(othersRun)).toBe(base.length);
    expect(await merge(importRunId)).toEqual({ kind: 'gone' });
    expect(await merge(randomUUID())).toEqual({ kind: 'gone' });
  });

  it('rejects a date Postgres cannot store as a non-retryable failure that quotes no value, and keeps the stage empty', async () => {
    const importRunId = await openRun();

    const error: unknown = await stage(importRunId, [{ date: '2024-02-30', value: '4242.17' }]).catch((thrown: unknown) => thrown);
    const failure = toApplicationFailure(error);

    expect(failure).toMatchObject({ type: 'DatabaseRejectedData', nonRetryable: true });
    expect(failure.message).toMatch(/SQLSTATE 22008.*Check the Look's date and value fields/);
    expect(failure.message).not.toMatch(/2024-02-30|4242/);
    expect(await stagedCount(importRunId)).toBe(0);
  });
});
