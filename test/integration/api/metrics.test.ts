import { Client, Connection } from '@temporalio/client';
import { and, eq, sql } from 'drizzle-orm';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app';
import { datapoints, importRuns, metrics } from '../../../src/db/schema';
import { freePort } from '../../../src/local/free-port';
import { apiDepsFor } from '../../../src/runtime/services';
import { createMetricWorkflowGateway } from '../../../src/temporal/metric-workflow-gateway';
import { eventually } from '../../helpers/eventually';
import { devServerNow, importTimeAhead } from '../../helpers/test-clock';
import { assertMatchesContract } from './response-contract';
import {
  createIntegration,
  createMetric,
  startApiTestStack,
  waitUntilSettled,
  type ApiTestStack,
  type Integration,
  type Metric,
  type MetricDetail,
  type Page,
  type Problem,
} from './api-stack';

interface ImportRun {
  id: string;
  kind: string;
  status: string;
  valueField: string;
  startedAt: string;
  finishedAt: string | null;
  counts: { rowsRead: number | null; inserted: number | null; skipped: number | null };
  skipReasons: Record<string, number> | null;
  warnings: string[];
  error: string | null;
  temporalRunId: string | null;
  temporalUiUrl: string | null;
}

describe('metrics', () => {
  let api: ApiTestStack;
  let integration: Integration;

  beforeAll(async () => {
    api = await startApiTestStack();
    integration = await createIntegration(api);
  });
  afterAll(async () => {
    await api?.stop();
  });

  const importRunsOf = (metricId: string, query = '') => api.http<Page<ImportRun>>('GET', `/v1/metrics/${metricId}/import-runs${query}`);

  it('reads a metric with its live workflow status and a link to the workflow in the Temporal UI', async () => {
    const importTime = importTimeAhead(devServerNow(), 'Europe/Berlin');
    const metric = await createMetric(api, integration.id, { importTime, timeZone: 'Europe/Berlin' });
    const detail = await waitUntilSettled(api, metric.id);
    expect(detail).toMatchObject({ id: metric.id, state: 'active', temporal: 'live', importing: false, lastError: null, lastImport: { kind: 'backfill', succeeded: true } });
    expect(Date.parse(detail.nextImportAt!)).toBeGreaterThan(devServerNow());
    expect(localTime(detail.nextImportAt!, 'Europe/Berlin')).toBe(importTime);
    expect(detail.temporalUiUrl).toBe(`http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(`metric-import/${metric.id}`)}`);

    const runs = await importRunsOf(metric.id);
    expect(runs.body.data).toHaveLength(1);
    expect(runs.body.data[0]).toMatchObject({ kind: 'backfill', status: 'succeeded', error: null, warnings: [] });
    expect(runs.body.data[0]!.counts.inserted).toBeGreaterThan(300);
    // The run of the workflow that imported, opened on its history in the Temporal UI.
    const { runId } = await api.stack.client.workflow.getHandle(metric.workflowId).describe();
    expect(runs.body.data[0]).toMatchObject({ temporalRunId: runId, temporalUiUrl: `${detail.temporalUiUrl}/${runId}/history` });
  });

  it('imports now on request, lists the history newest first, and pages through it', async () => {
    const metric = await createMetric(api, integration.id, { name: 'Imported twice' });
    await waitUntilSettled(api, metric.id);
    const queued = await api.http<MetricDetail>('POST', `/v1/metrics/${metric.id}/import-now`);
    expect(queued.status).toBe(202);
    const runs = await eventually(async () => {
      const page = await importRunsOf(metric.id);
      return page.body.data.length === 2 && page.body.data[0]!.status === 'succeeded' ? page.body.data : undefined;
    });
    expect(runs.map((run) => run.kind)).toEqual(['manual', 'backfill']);
    expect(runs[0]!.counts.inserted).toBe(0); // the same history again: nothing new

    const first = await importRunsOf(metric.id, '?limit=1');
    expect(first.body.data.map((run) => run.kind)).toEqual(['manual']);
    const second = await importRunsOf(metric.id, `?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.data.map((run) => run.kind)).toEqual(['backfill']);
    expect(second.body.nextCursor).toBeNull();
  });

  it('pauses (import now then refuses with 409) and resumes', async () => {
    const metric = await createMetric(api, integration.id, { name: 'Paused metric' });
    await waitUntilSettled(api, metric.id);
    const paused = await api.http<MetricDetail>('POST', `/v1/metrics/${metric.id}/pause`);
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ state: 'paused', nextImportAt: null });

    const refused = await api.http<Problem>('POST', `/v1/metrics/${metric.id}/import-now`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'conflict', errors: [{ pointer: '/path/id' }] });
    expect(refused.body.detail).toMatch(/paused; resume it/);

    const listed = await api.http<Page<Metric>>('GET', `/v1/metrics?state=paused`);
    expect(listed.body.data.map((item) => item.id)).toEqual([metric.id]);

    const resumed = await api.http<MetricDetail>('POST', `/v1/metrics/${metric.id}/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body.state).toBe('active');
    expect(Date.parse(resumed.body.nextImportAt!)).toBeGreaterThan(devServerNow());
  });

  it('moves the daily import to a new time and time zone', async () => {
    const metric = await createMetric(api, integration.id, { name: 'Rescheduled metric', timeZone: 'UTC' });
    await waitUntilSettled(api, metric.id);
    // New times hours away from now, so no import comes due while the test changes them.
    const newTime = importTimeAhead(devServerNow(), 'America/New_York', 10);
    const changed = await api.http<MetricDetail>('PATCH', `/v1/metrics/${metric.id}/schedule`, { importTime: newTime, timeZone: 'america/new_york' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ importTime: newTime, timeZone: 'America/New_York' });
    expect(localTime(changed.body.nextImportAt!, 'America/New_York')).toBe(newTime);

    const laterTime = importTimeAhead(devServerNow(), 'America/New_York', 14);
    const onlyTime = await api.http<MetricDetail>('PATCH', `/v1/metrics/${metric.id}/schedule`, { importTime: laterTime });
    expect(onlyTime.body).toMatchObject({ importTime: laterTime, timeZone: 'America/New_York' });
    const stored = await api.http<Page<Metric>>('GET', `/v1/metrics?integrationId=${integration.id}&limit=200`);
    expect(stored.body.data.find((item) => item.id === metric.id)).toMatchObject({ importTime: laterTime, timeZone: 'America/New_York' });
  });

  it('changes the source: the workflow validates it against Looker and re-imports the history', async () => {
    const metric = await createMetric(api, integration.id, { name: 'Revenue, then orders' });
    await waitUntilSettled(api, metric.id);
    const changed = await api.http<MetricDetail>('PATCH', `/v1/metrics/${metric.id}`, { name: 'Orders per day', valueField: 'orders.count' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ name: 'Orders per day', valueField: 'orders.count' });
    const reimport = await eventually(async () => {
      const runs = await importRunsOf(metric.id);
      const latest = runs.body.data[0];
      return latest?.kind === 'config_change' && latest.status === 'succeeded' ? latest : undefined;
    });
    expect(reimport.valueField).toBe('orders.count');
    const page = await api.http<Page<{ value: string }>>('GET', `/v1/metrics/${metric.id}/datapoints?limit=50`);
    expect(page.body.data.length).toBe(50);
    for (const point of page.body.data) expect(Number.isInteger(Number(point.value))).toBe(true);
  });

  it('exports a range of many datapoints as CSV, streamed page by page in date order', async () => {
    const metric = await createMetric(api, integration.id, { name: 'Long history' });
    await waitUntilSettled(api, metric.id);
    // 12,000 days before anything the emulator returns: more than two of the export's pages.
    const days = 12_000;
    const first = Date.UTC(1950, 0, 1);
    const rows = Array.from({ length: days }, (_, index) => ({
      metricId: metric.id,
      date: new Date(first + index * 86_400_000).toISOString().slice(0, 10),
      value: `${index}.5`,
      importRunId: metric.id,
    }));
    for (let offset = 0; offset < rows.length; offset += 2_000) {
      await api.stack.services.database.db.insert(datapoints).values(rows.slice(offset, offset + 2_000));
    }
    const last = rows.at(-1)!.date;

    const csv = await api.http('GET', `/v1/metrics/${metric.id}/datapoints?format=csv&to=${last}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-length')).toBeNull();
    expect(csv.text).toBe(`date,value\n${rows.map((row) => `${row.date},${row.value}\n`).join('')}`);
    const range = await api.http('GET', `/v1/metrics/${metric.id}/datapoints?format=csv&from=1950-01-02&to=1950-01-03`);
    expect(range.text).toBe('date,value\n1950-01-02,1.5\n1950-01-03,2.5\n');
    const empty = await api.http('GET', `/v1/metrics/${metric.id}/datapoints?format=csv&from=1900-01-01&to=1900-12-31`);
    expect(empty.text).toBe('date,value\n');
  });

  it('pages a long series as JSON in date order, with a cursor that neither repeats nor skips a datapoint', async () => {
    const metric = await createMetric(api, integration.id, { name: 'Paged history' });
    await waitUntilSettled(api, metric.id);
    const days = 12_000;
    const first = Date.UTC(1950, 0, 1);
    const rows = Array.from({ length: days }, (_, index) => ({
      metricId: metric.id,
      date: new Date(first + index * 86_400_000).toISOString().slice(0, 10),
      value: index % 3 === 0 ? `-${index}.25` : `${index}`,
      importRunId: metric.id,
    }));
    for (let offset = 0; offset < rows.length; offset += 2_000) {
      await api.stack.services.database.db.insert(datapoints).values(rows.slice(offset, offset + 2_000));
    }
    const expected = rows.map((row) => ({ date: row.date, value: row.value }));
    const to = rows.at(-1)!.date;

    const seen: { date: string; value: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const path: string = `/v1/metrics/${metric.id}/datapoints?limit=5000&to=${to}${cursor === null ? '' : `&cursor=${cursor}`}`;
      const page = await api.http<Page<{ date: string; value: string }>>('GET', path);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('application/json');
      const body: Page<{ date: string; value: string }> = page.body;
      // Exactly the JSON the rows make: no spacing, value as an exact decimal string.
      expect(page.text).toBe(JSON.stringify(body));
      seen.push(...body.data);
      cursor = body.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual(expected);

    const range = await api.http<Page<{ date: string; value: string }>>('GET', `/v1/metrics/${metric.id}/datapoints?from=1950-01-03&to=1950-01-05&limit=2`);
    expect(range.body.data).toEqual(expected.slice(2, 4));
    expect(range.body.nextCursor).not.toBeNull();
    const rest = await api.http<Page<{ date: string; value: string }>>('GET', `/v1/metrics/${metric.id}/datapoints?from=1950-01-03&to=1950-01-05&limit=2&cursor=${range.body.nextCursor}`);
    expect(rest.body).toEqual({ data: expected.slice(4, 5), nextCursor: null });
    // Exactly `limit` left: the last page says so with a null cursor, not an empty page after it.
    const exact = await api.http<Page<{ date: string; value: string }>>('GET', `/v1/metrics/${metric.id}/datapoints?from=1950-01-03&to=1950-01-04&limit=2`);
    expect(exact.body).toEqual({ data: expected.slice(2, 4), nextCursor: null });
    const empty = await api.http('GET', `/v1/metrics/${metric.id}/datapoints?from=1900-01-01&to=1900-12-31`);
    expect(empty.text).toBe('{"data":[],"nextCursor":null}');

    // An import changes a value and records itself on the metric: the next read shows the new value.
    const { db } = api.stack.services.database;
    await db.update(datapoints).set({ value: '42.5' }).where(and(eq(datapoints.metricId, metric.id), eq(datapoints.date, '1950-01-04')));
    await db.update(metrics).set({ updatedAt: new Date(Date.now() + 1_000) }).where(eq(metrics.id, metric.id));
    const changed = await api.http<Page<{ date: string; value: string }>>('GET', `/v1/metrics/${metric.id}/datapoints?from=1950-01-03&to=1950-01-05&limit=2`);
    expect(changed.body.data).toEqual([expected[2], { date: '1950-01-04', value: '42.5' }]);
  });

  it('lists metrics a page at a time, filtered by integration', async () => {
    const other = await createIntegration(api, 'Second Looker');
    const created = [];
    for (const name of ['First', 'Second', 'Third']) created.push(await createMetric(api, other.id, { name }));
    const first = await api.http<Page<Metric>>('GET', `/v1/metrics?integrationId=${other.id}&limit=2`);
    expect(first.body.data.map((metric) => metric.name)).toEqual(['First', 'Second']);
    const second = await api.http<Page<Metric>>('GET', `/v1/metrics?integrationId=${other.id}&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body).toEqual({ data: [expect.objectContaining({ name: 'Third' })], nextCursor: null });

    const unknown = await api.http<Problem>('GET', '/v1/metrics?integrationId=5b3f6f0e-3f43-4f7e-9b0c-0d6f5e0b9a11');
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors?.[0]?.pointer).toBe('/query/integrationId');
    for (const metric of created) await api.http('DELETE', `/v1/metrics/${metric.id}`);
  });

  it('lists each metric with its latest datapoint, also when filtered by state and integration', async () => {
    const own = await createIntegration(api, 'Latest value Looker');
    const imported = await createMetric(api, own.id, { name: 'Imported' });
    await waitUntilSettled(api, imported.id);
    const conflicting = await createMetric(api, own.id, { name: 'Two values per date', lookId: '10' });
    await waitUntilSettled(api, conflicting.id);
    const csv = await api.http('GET', `/v1/metrics/${imported.id}/datapoints?format=csv`);
    const [date, value] = csv.text.trim().split('\n').at(-1)!.split(',');

    const active = await api.http<Page<Metric & { latestDatapoint: unknown }>>('GET', `/v1/metrics?integrationId=${own.id}&state=active`);
    expect(active.body.data).toEqual([expect.objectContaining({ id: imported.id, latestDatapoint: { date, value } })]);
    const attention = await api.http<Page<Metric & { latestDatapoint: unknown }>>('GET', `/v1/metrics?integrationId=${own.id}&state=needs_attention`);
    expect(attention.body.data).toEqual([expect.objectContaining({ id: conflicting.id, latestDatapoint: null })]);
    const all = await api.http<Page<Metric & { latestDatapoint: unknown }>>('GET', `/v1/metrics?integrationId=${own.id}`);
    expect(all.body.data.map((metric) => [metric.name, metric.state, metric.latestDatapoint])).toEqual([
      ['Imported', 'active', { date, value }],
      ['Two values per date', 'needs_attention', null],
    ]);
    for (const metric of [imported, conflicting]) await api.http('DELETE', `/v1/metrics/${metric.id}`);
  });

  it('deletes a metric: the workflow is stopped and its datapoints and import history go with it', async () => {
    const metric = await createMetric(api, integration.id, { name: 'Deleted metric' });
    await waitUntilSettled(api, metric.id);
    const { db } = api.stack.services.database;
    const count = async (table: typeof datapoints | typeof importRuns) =>
      (await db.select({ n: sql<number>`count(*)::int` }).from(table).where(eq(table.metricId, metric.id)))[0]!.n;
    expect(await count(datapoints)).toBeGreaterThan(300);

    const deleted = await api.http('DELETE', `/v1/metrics/${metric.id}`);
    expect(deleted.status).toBe(204);
    expect((await api.http('GET', `/v1/metrics/${metric.id}`)).status).toBe(404);
    expect((await api.http('GET', `/v1/metrics/${metric.id}/datapoints`)).status).toBe(404);
    expect(await count(datapoints)).toBe(0);
    expect(await count(importRuns)).toBe(0);
    const workflow = await api.stack.client.workflow.getHandle(metric.workflowId).describe();
    expect(workflow.status.name).toBe('TERMINATED');
    expect((await api.http('DELETE', `/v1/metrics/${metric.id}`)).status).toBe(404);
  });

  // An activity still running after the workflow was terminated (termination does not stop it),
  // in the lock order of the import activities: its run row first, then the metric's row or rows
  // referencing the metric. Deleting the metric in the other order (metric row, then its runs by
  // cascade) deadlocked, and the delete was the one Postgres aborted: a 500.
  const activityWrites = {
    'merging its rows (upsertDatapoints)': async (tx: postgres.TransactionSql, metricId: string, importRunId: string) => {
      await tx`
        insert into datapoints (metric_id, date, value, import_run_id) values (${metricId}, '1999-12-31', 1, ${importRunId})
        on conflict (metric_id, date) do update set value = excluded.value`;
      await tx`insert into staged_datapoints (import_run_id, date, value) values (${importRunId}, '1999-12-30', 2)`;
    },
    'finishing (finishImportRun)': async (tx: postgres.TransactionSql, metricId: string) => {
      await tx`update metrics set state = 'active', updated_at = now() where id = ${metricId}`;
    },
  };

  it.each(Object.keys(activityWrites))('deletes a metric while an import is %s: 204, and nothing of the metric is left behind', async (step) => {
    const metric = await createMetric(api, integration.id, { name: `Deleted while ${step}` });
    const settled = await waitUntilSettled(api, metric.id);
    const importRunId = settled.lastImport!.importRunId;
    const { sql: pg } = api.stack.services.database;
    let deleting: Promise<{ status: number }> | undefined;
    await pg.begin(async (tx) => {
      const [backend] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
      const pid = backend!.pid;
      await tx`select id from import_runs where id = ${importRunId} for update`;
      deleting = api.http('DELETE', `/v1/metrics/${metric.id}`);
      await eventually(async () => {
        const [waiting] = await pg<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where ${pid}::int = any(pg_blocking_pids(pid))`;
        return waiting!.n > 0 ? true : undefined;
      });
      await activityWrites[step as keyof typeof activityWrites](tx, metric.id, importRunId);
    });
    expect((await deleting!).status).toBe(204);

    const [left] = await pg<{ metrics: number; runs: number; points: number; staged: number }[]>`
      select (select count(*)::int from metrics where id = ${metric.id}) as metrics,
             (select count(*)::int from import_runs where metric_id = ${metric.id}) as runs,
             (select count(*)::int from datapoints where metric_id = ${metric.id}) as points,
             (select count(*)::int from staged_datapoints where import_run_id = ${importRunId}) as staged`;
    expect(left).toEqual({ metrics: 0, runs: 0, points: 0, staged: 0 });
    expect((await api.stack.client.workflow.getHandle(metric.workflowId).describe()).status.name).toBe('TERMINATED');
  });

  it('still reads a metric from the database when Temporal does not answer, and says so', async () => {
    const metric = await createMetric(api, integration.id, { name: 'Read while Temporal is down' });
    const settled = await waitUntilSettled(api, metric.id);
    const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    try {
      const unreachable = createMetricWorkflowGateway(new Client({ connection }), { statusTimeoutMs: 1000 });
      const app = createApp(apiDepsFor(api.stack.services, { workflows: unreachable, temporalNamespace: 'default' }));
      const call = async (method: string, path: string) => {
        const response = await app.request(path, { method, headers: { authorization: `Bearer ${api.stack.apiKey}` } });
        const text = await response.text();
        const result = { status: response.status, contentType: response.headers.get('content-type'), body: JSON.parse(text) as unknown, text };
        assertMatchesContract(app, method, path, result);
        return result;
      };

      const read = await call('GET', `/v1/metrics/${metric.id}`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ id: metric.id, state: 'active', temporal: 'unavailable', importing: null, lastImport: null, nextImportAt: settled.nextImportAt, temporalUiUrl: null });

      const importNow = await call('POST', `/v1/metrics/${metric.id}/import-now`);
      expect(importNow.status).toBe(503);
      expect(importNow.body).toMatchObject({ code: 'upstream_unavailable' });
      expect((importNow.body as { detail: string }).detail).toMatch(/Temporal is (unavailable|unreachable)/);

      // Without TEMPORAL_UI_URL the run is still named, and nothing links to a guessed UI.
      const runs = await call('GET', `/v1/metrics/${metric.id}/import-runs`);
      const [run] = (runs.body as Page<ImportRun>).data;
      expect(run?.temporalRunId).toMatch(/\S/);
      expect(run?.temporalUiUrl).toBeNull();
    } finally {
      await connection.close();
    }
  });
});

function localTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
}
