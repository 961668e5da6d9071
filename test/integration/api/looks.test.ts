import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntegration, snapshotDatabase, startApiTestStack, type ApiTestStack, type Integration, type Page, type Problem } from './api-stack';

interface LookFields {
  lookId: string;
  fields: { name: string; type: string; isNumeric: boolean | null; timeframe: string | null }[];
  suggested: { dateField: string | null; valueField: string | null };
}

interface Preview {
  rowsRead: number;
  datapointCount: number;
  skipped: number;
  skipReasons: Record<string, number>;
  possiblyTruncated: boolean;
  granularity: string;
  firstDate: string | null;
  lastDate: string | null;
  datapoints: { date: string; value: string }[];
}

/** The demo seed's Looks (Look 12 is soft-deleted) and the fields a person would pick. */
const demoLooks: [lookId: string, dateField: string, valueField: string][] = [
  ['1', 'orders.created_date', 'orders.total_revenue'],
  ['2', 'orders.created_week', 'orders.count'],
  ['3', 'orders.created_month', 'orders.total_revenue'],
  ['4', 'orders.created_quarter', 'orders.total_revenue'],
  ['5', 'orders.created_year', 'orders.total_revenue'],
  ['6', 'events.created_time', 'events.count'],
  ['7', 'orders.created_date', 'orders.average_order_value'],
  ['8', 'events.created_date', 'events.session_minutes'],
  ['9', 'orders.created_month', 'orders.count'],
  ['10', 'orders.created_date', 'orders.total_revenue'],
  ['11', 'orders.created_date', 'orders.count'],
];

describe('Looks: fields and preview', () => {
  let api: ApiTestStack;
  let integration: Integration;

  beforeAll(async () => {
    api = await startApiTestStack();
    integration = await createIntegration(api);
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('lists and searches the Looks of an integration', async () => {
    const found = await api.http<Page<{ id: string; title: string }>>('GET', `/v1/integrations/${integration.id}/looks?search=weekly`);
    expect(found.status).toBe(200);
    expect(found.body.data.map((look) => look.title)).toEqual(['Weekly orders']);

    const first = await api.http<Page<{ id: string }>>('GET', `/v1/integrations/${integration.id}/looks?limit=6`);
    const second = await api.http<Page<{ id: string }>>('GET', `/v1/integrations/${integration.id}/looks?limit=6&cursor=${first.body.nextCursor}`);
    const ids = [...first.body.data, ...second.body.data].map((look) => look.id);
    expect(ids.sort((x, y) => Number(x) - Number(y))).toEqual(demoLooks.map(([lookId]) => lookId));
  });

  it.each(demoLooks)('suggests a date and a value field for demo Look %s', async (lookId, dateField, valueField) => {
    const result = await api.http<LookFields>('GET', `/v1/integrations/${integration.id}/looks/${lookId}/fields`);
    expect(result.status).toBe(200);
    expect(result.body.suggested).toEqual({ dateField, valueField });
    const byName = new Map(result.body.fields.map((field) => [field.name, field]));
    expect(byName.get(dateField)?.timeframe).not.toBeNull();
    expect(byName.get(valueField)?.isNumeric).toBe(true);
  });

  it('answers 404 naming lookId for a Look that does not exist or was deleted', async () => {
    for (const lookId of ['999', '12']) {
      const result = await api.http<Problem>('GET', `/v1/integrations/${integration.id}/looks/${lookId}/fields`);
      expect(result.status).toBe(404);
      expect(result.body.errors).toEqual([{ pointer: '/path/lookId', message: expect.stringMatching(new RegExp(`Look ${lookId} was not found`)) as string }]);
    }
  });

  it('previews a Look with gaps: datapoints, skip reasons and counts, and stores nothing', async () => {
    const path = `/v1/integrations/${integration.id}/looks/7/preview`;
    const body = { dateField: 'orders.created_date', valueField: 'orders.average_order_value', sampleSize: 5 };
    await api.http('POST', path, body); // the first call logs in and stores the shared Looker token
    const before = await snapshotDatabase(api);

    const preview = await api.http<Preview>('POST', path, body);
    expect(preview.status).toBe(200);
    expect(preview.body.possiblyTruncated).toBe(false);
    expect(preview.body.granularity).toBe('day');
    expect(preview.body.skipReasons.missing_date).toBe(1);
    expect(preview.body.skipReasons.null_value).toBeGreaterThan(0);
    expect(preview.body.skipped).toBe(Object.values(preview.body.skipReasons).reduce((sum, n) => sum + n, 0));
    expect(preview.body.datapointCount + preview.body.skipped).toBe(preview.body.rowsRead);
    expect(preview.body.datapoints).toHaveLength(5);
    const dates = preview.body.datapoints.map((point) => point.date);
    expect(dates).toEqual([...dates].sort());
    expect(dates.at(-1)).toBe(preview.body.lastDate);
    for (const point of preview.body.datapoints) expect(Number.isFinite(Number(point.value))).toBe(true);

    expect(await snapshotDatabase(api)).toEqual(before);
  });

  it('flags a preview cut off by its row limit', async () => {
    const preview = await api.http<Preview>('POST', `/v1/integrations/${integration.id}/looks/1/preview`, {
      dateField: 'orders.created_date',
      valueField: 'orders.total_revenue',
      rowLimit: 100,
    });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ rowsRead: 100, datapointCount: 100, possiblyTruncated: true });
    expect(preview.body.datapoints).toHaveLength(20);
  });

  it('names the field when the chosen fields cannot make datapoints', async () => {
    const missing = await api.http<Problem>('POST', `/v1/integrations/${integration.id}/looks/1/preview`, {
      dateField: 'orders.created_date',
      valueField: 'orders.margin',
    });
    expect(missing.status).toBe(422);
    expect(missing.body.errors?.[0]).toMatchObject({ pointer: '/body/valueField', message: expect.stringContaining('has no field "orders.margin"') as string });

    const notADate = await api.http<Problem>('POST', `/v1/integrations/${integration.id}/looks/10/preview`, {
      dateField: 'orders.region',
      valueField: 'orders.total_revenue',
    });
    expect(notADate.status).toBe(422);
    expect(notADate.body.code).toBe('looker_rejected');
    expect(notADate.body.errors?.[0]?.pointer).toBe('/body/dateField');
  });
});
