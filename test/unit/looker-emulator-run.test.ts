import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSeed, startLookerEmulator, type LookerEmulator } from '../../src/looker-emulator';

const DOCS = 'https://cloud.google.com/looker/docs/r/err/4.0';
type Json = Record<string, unknown>;
type Rows = Record<string, unknown>[];

async function loginTo(emu: LookerEmulator): Promise<string> {
  const res = await fetch(`${emu.apiUrl}/login`, { method: 'POST', body: new URLSearchParams({ client_id: 'id', client_secret: 'secret' }) });
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Days before 2024-06-30, as the test seed's date strings. */
const daysBefore = (end: string, days: number) => new Date(Date.parse(`${end}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);

describe('GET /looks/{id}/run/{format} on the test seed', () => {
  let emu: LookerEmulator;
  let token: string;
  const run = (path: string) => fetch(`${emu.apiUrl}/looks/${path}`, { headers: { authorization: `Bearer ${token}` } });
  const runJson = async <T = Rows>(path: string) => (await (await run(path)).json()) as T;

  beforeAll(async () => {
    emu = await startLookerEmulator({ clientId: 'id', clientSecret: 'secret', seed: loadSeed('test') });
    token = await loginTo(emu);
  });
  afterAll(async () => {
    await emu.close();
  });

  describe('json', () => {
    it('returns rows keyed by view.field with native values, newest first as saved', async () => {
      const res = await run('1/run/json');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const rows = (await res.json()) as Rows;
      expect(rows).toHaveLength(731);
      // Test seed formulas: count = 100 + t, revenue = 1000 + 0.5 t, t = days since 2020-01-01.
      expect(rows[0]).toEqual({ 'orders.created_date': '2024-06-30', 'orders.total_revenue': 1821, 'orders.count': 1742 });
      expect(rows[1]).toEqual({ 'orders.created_date': '2024-06-29', 'orders.total_revenue': 1820.5, 'orders.count': 1741 });
      expect(rows[730]).toEqual({ 'orders.created_date': '2022-07-01', 'orders.total_revenue': 1456, 'orders.count': 1012 });
    });

    it('applies the saved query limit when limit is absent, and the run limit when sent', async () => {
      const saved = await runJson('13/run/json');
      expect(saved).toHaveLength(500);
      expect(saved[499]?.['orders.created_date']).toBe(daysBefore('2024-06-30', 499));
      expect(await runJson('13/run/json?limit=-1')).toHaveLength(1000);
      expect(await runJson('13/run/json?limit=750')).toHaveLength(750);
      expect(await runJson('1/run/json?limit=3')).toHaveLength(3);
      expect(await runJson('1/run/json?limit=0')).toHaveLength(0);
    });

    it('formats numbers as strings with apply_formatting=true, raw otherwise', async () => {
      expect(await runJson('1/run/json?limit=1&apply_formatting=true')).toEqual([
        { 'orders.created_date': '2024-06-30', 'orders.total_revenue': '$1,821.00', 'orders.count': '1,742' },
      ]);
      expect(await runJson('1/run/json?limit=1&apply_formatting=false&cache=true')).toEqual([
        { 'orders.created_date': '2024-06-30', 'orders.total_revenue': 1821, 'orders.count': 1742 },
      ]);
    });

    it.each([
      ['2', 104, '2024-06-24', '2022-07-04'],
      ['3', 36, '2024-06', '2021-07'],
      ['4', 12, '2024-Q2', '2021-Q3'],
      ['5', 5, 2024, 2020],
      ['6', 48, '2024-06-30 23:00:00', '2024-06-29 00:00:00'],
    ])('formats timeframe values as Looker does (Look %s)', async (id, count, first, last) => {
      const rows = await runJson(`${id}/run/json`);
      const dateField = Object.keys(rows[0] ?? {})[0] ?? '';
      expect(rows).toHaveLength(count);
      expect(rows[0]?.[dateField]).toEqual(first);
      expect(rows[count - 1]?.[dateField]).toEqual(last);
    });

    it('puts weekly rows on Mondays', async () => {
      const rows = await runJson('2/run/json');
      for (const row of rows) expect(new Date(`${String(row['orders.created_week'])}T00:00:00Z`).getUTCDay()).toBe(1);
    });

    it('keeps nulls (values and a null date, which sorts low)', async () => {
      expect(await runJson('7/run/json')).toEqual([
        { 'orders.created_date': null, 'orders.average_order_value': 61 },
        { 'orders.created_date': '2024-06-01', 'orders.average_order_value': 52.5 },
        { 'orders.created_date': '2024-06-02', 'orders.average_order_value': null },
        { 'orders.created_date': '2024-06-03', 'orders.average_order_value': 48.25 },
        { 'orders.created_date': '2024-06-04', 'orders.average_order_value': null },
      ]);
    });

    it('returns numeric strings unchanged, and formats them with apply_formatting', async () => {
      const rows = await runJson('8/run/json');
      expect(rows.map((r) => r['events.session_minutes'])).toEqual(['1234.50', '987.00', '0.00', '-12.75', '10000.10']);
      const formatted = await runJson('8/run/json?apply_formatting=true');
      expect(formatted.map((r) => r['events.session_minutes'])).toEqual(['1,234.50', '987.00', '0.00', '-12.75', '10,000.10']);
    });

    it('nests pivoted measures by pivot field then pivot key', async () => {
      expect(await runJson('9/run/json')).toEqual([
        { 'orders.created_month': '2024-06', 'orders.count': { 'orders.status': { cancelled: 15, complete: 1088, returned: 7 } } },
        { 'orders.created_month': '2024-05', 'orders.count': { 'orders.status': { cancelled: 9, complete: 455, returned: 4 } } },
        { 'orders.created_month': '2024-04', 'orders.count': { 'orders.status': { cancelled: 12, complete: 410, returned: null } } },
      ]);
      const limited = await runJson('9/run/json?limit=1&apply_formatting=true');
      expect(limited).toEqual([{ 'orders.created_month': '2024-06', 'orders.count': { 'orders.status': { cancelled: '15', complete: '1,088', returned: '7' } } }]);
    });

    it('returns duplicate dates as separate rows', async () => {
      const rows = await runJson('10/run/json');
      expect(rows.map((r) => [r['orders.created_date'], r['orders.region'], r['orders.total_revenue']])).toEqual([
        ['2024-06-01', 'East', 100],
        ['2024-06-01', 'West', 250.5],
        ['2024-06-02', 'East', 120],
        ['2024-06-02', 'West', 80],
        ['2024-06-03', 'East', 90],
      ]);
    });

    it('returns [] for a Look without rows', async () => {
      expect(await runJson('14/run/json')).toEqual([]);
    });

    it('streams the 100,000-row Look (saved with limit -1) in full', async () => {
      const res = await run('11/run/json');
      expect(res.headers.get('transfer-encoding')).toBe('chunked');
      const rows = (await res.json()) as Rows;
      expect(rows).toHaveLength(100_000);
      expect(rows[0]?.['orders.created_date']).toBe('2024-06-30');
      expect(rows[99_999]?.['orders.created_date']).toBe(daysBefore('2024-06-30', 99_999));
      expect(rows.every((r) => typeof r['orders.count'] === 'number')).toBe(true);
      // Deterministic: a second run is identical.
      expect(await runJson('11/run/json?limit=1000')).toEqual(rows.slice(0, 1000));
    });
  });

  describe('json_detail', () => {
    it('has the top-level keys of Looker json_detail', async () => {
      const res = await run('1/run/json_detail?limit=2');
      expect(res.status).toBe(200);
      const body = (await res.json()) as Json;
      for (const key of [
        'status', 'from_cache', 'id', 'result_source', 'supports_pivot_in_db', 'null_sort_treatment', 'expired', 'ran_at',
        'runtime', 'added_params', 'sql', 'sql_explain', 'fields', 'fill_fields', 'has_totals', 'has_row_totals',
        'applied_filters', 'applied_filter_expression', 'explore', 'timezone', 'data', 'has_subtotals',
      ]) {
        expect(body, key).toHaveProperty(key);
      }
      expect(body).toMatchObject({ status: 'complete', null_sort_treatment: 'low', timezone: 'UTC', explore: { name: 'orders', label: 'Orders' } });
      expect(body.ran_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);
      expect(body.runtime).toMatch(/^\d+\.\d{3}$/);
      expect(body).not.toHaveProperty('pivots');
    });

    it('describes the query fields with Looker field metadata', async () => {
      const body = await runJson<Json>('1/run/json_detail?limit=1');
      const fields = body.fields as { dimensions: Json[]; measures: Json[]; table_calculations: Json[]; pivots: Json[] };
      expect(fields.table_calculations).toEqual([]);
      expect(fields.pivots).toEqual([]);
      expect(fields.dimensions).toHaveLength(1);
      expect(fields.dimensions[0]).toMatchObject({
        name: 'orders.created_date',
        label: 'Orders Created Date',
        label_short: 'Created Date',
        view: 'orders',
        type: 'date_date',
        category: 'dimension',
        measure: false,
        is_numeric: false,
        is_timeframe: true,
        time_interval: { name: 'day', count: 1 },
        dimension_group: 'orders.created',
        sorted: { sort_index: 0, desc: true },
      });
      expect(fields.measures.map((m) => [m.name, m.type, m.category, m.measure, m.is_numeric])).toEqual([
        ['orders.total_revenue', 'sum', 'measure', true, true],
        ['orders.count', 'count', 'measure', true, true],
      ]);
    });

    it('wraps cells as {value, rendered?}', async () => {
      const plain = await runJson<Json>('1/run/json_detail?limit=1');
      expect(plain.data).toEqual([
        {
          'orders.created_date': { value: '2024-06-30' },
          'orders.total_revenue': { value: 1821, rendered: '$1,821.00' },
          'orders.count': { value: 1742 },
        },
      ]);
      const formatted = await runJson<Json>('1/run/json_detail?limit=1&apply_formatting=true');
      expect((formatted.data as Json[])[0]?.['orders.count']).toEqual({ value: 1742, rendered: '1,742' });
      const nulls = await runJson<Json>('7/run/json_detail?limit=3');
      expect(nulls.data).toEqual([
        { 'orders.created_date': { value: null }, 'orders.average_order_value': { value: 61, rendered: '$61.00' } },
        { 'orders.created_date': { value: '2024-06-01' }, 'orders.average_order_value': { value: 52.5, rendered: '$52.50' } },
        { 'orders.created_date': { value: '2024-06-02' }, 'orders.average_order_value': { value: null } },
      ]);
    });

    it('nests pivoted measures by pivot key and lists the pivots', async () => {
      const body = await runJson<Json>('9/run/json_detail');
      expect(body.pivots).toEqual([
        { key: 'cancelled', data: { 'orders.status': 'cancelled' }, sort_values: { 'orders.status': 'cancelled' }, is_total: false },
        { key: 'complete', data: { 'orders.status': 'complete' }, sort_values: { 'orders.status': 'complete' }, is_total: false },
        { key: 'returned', data: { 'orders.status': 'returned' }, sort_values: { 'orders.status': 'returned' }, is_total: false },
      ]);
      const fields = body.fields as { dimensions: Json[]; pivots: Json[] };
      expect(fields.dimensions.map((d) => d.name)).toEqual(['orders.created_month']);
      expect(fields.pivots.map((d) => d.name)).toEqual(['orders.status']);
      expect((body.data as Json[])[2]).toEqual({
        'orders.created_month': { value: '2024-04' },
        'orders.count': { cancelled: { value: 12 }, complete: { value: 410 }, returned: { value: null } },
      });
    });

    it('sorts by the first date, newest first, when the Look has no sorts, and says so in added_params', async () => {
      emu.control.setLookRows('14', [
        { 'orders.created_date': '2024-06-02', 'orders.count': 2 },
        { 'orders.created_date': '2024-06-03', 'orders.count': 3 },
        { 'orders.created_date': '2024-06-01', 'orders.count': 1 },
      ]);
      try {
        const body = await runJson<Json>('14/run/json_detail');
        expect(body.added_params).toEqual({ sorts: ['orders.created_date desc'] });
        expect((body.data as Json[]).map((r) => (r['orders.count'] as Json).value)).toEqual([3, 2, 1]);
        expect((await runJson<Json>('1/run/json_detail?limit=0')).added_params).toEqual({});
      } finally {
        emu.control.reset();
      }
    });

    it('streams the 100,000-row Look', async () => {
      const body = await runJson<Json>('11/run/json_detail');
      expect((body.data as Json[]).length).toBe(100_000);
    });
  });

  describe('csv and txt', () => {
    it('csv has a header of labels and raw rows', async () => {
      const res = await run('1/run/csv?limit=2');
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(await res.text()).toBe(
        'Orders Created Date,Orders Total Revenue,Orders Count\n2024-06-30,1821,1742\n2024-06-29,1820.5,1741\n',
      );
    });

    it('csv quotes formatted values and writes nulls as empty cells', async () => {
      expect(await (await run('1/run/csv?limit=1&apply_formatting=true')).text()).toBe(
        'Orders Created Date,Orders Total Revenue,Orders Count\n2024-06-30,"$1,821.00","1,742"\n',
      );
      expect(await (await run('7/run/csv?limit=3')).text()).toBe(
        'Orders Created Date,Orders Average Order Value\n,61\n2024-06-01,52.5\n2024-06-02,\n',
      );
    });

    it('csv of a pivoted Look has a pivot header line', async () => {
      expect(await (await run('9/run/csv?limit=1')).text()).toBe(
        'Orders Status,cancelled,complete,returned\nOrders Created Month,Orders Count,Orders Count,Orders Count\n2024-06,15,1088,7\n',
      );
    });

    it('csv of an empty Look is only the header', async () => {
      expect(await (await run('14/run/csv')).text()).toBe('Orders Created Date,Orders Count\n');
    });

    it('txt is tab-separated', async () => {
      const res = await run('10/run/txt?limit=1');
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toBe('Orders Created Date\tOrders Region\tOrders Total Revenue\n2024-06-01\tEast\t100\n');
    });

    it('sql returns generated SQL as text', async () => {
      const text = await (await run('1/run/sql')).text();
      expect(text).toMatch(/^SELECT/);
      expect(text).toContain('"orders.total_revenue"');
      expect(text).toContain('FETCH NEXT 5000 ROWS ONLY');
    });
  });

  describe('errors', () => {
    const runDoc = (status: number) => `${DOCS}/${status}/get/looks/:look_id/run/:result_format`;

    it('answers an unknown format with 400', async () => {
      const res = await run('1/run/yaml');
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ message: "Unsupported result_format 'yaml'.", documentation_url: runDoc(400) });
    });

    it('answers formats the emulator does not render with 400', async () => {
      expect((await run('1/run/png')).status).toBe(400);
    });

    it.each(['999', '12'])('answers Look %s (unknown or deleted) with 404', async (id) => {
      const res = await run(`${id}/run/json`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ message: 'Not found', documentation_url: runDoc(404) });
    });

    it.each(['limit=ten', 'apply_formatting=yes'])('answers %s with 400', async (query) => {
      const res = await run(`1/run/json?${query}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as Json).documentation_url).toBe(runDoc(400));
    });

    it('requires authentication', async () => {
      const res = await fetch(`${emu.apiUrl}/looks/1/run/json`);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ message: 'Requires authentication.', documentation_url: runDoc(401) });
    });
  });
});

describe('the demo seed', () => {
  let emu: LookerEmulator;
  let token: string;
  let now = new Date('2025-03-15T10:30:00Z');
  const runJson = async (path: string) =>
    (await (await fetch(`${emu.apiUrl}/looks/${path}`, { headers: { authorization: `Bearer ${token}` } })).json()) as Rows;

  beforeAll(async () => {
    emu = await startLookerEmulator({ clientId: 'id', clientSecret: 'secret', now: () => now });
    token = await loginTo(emu);
  });
  afterAll(async () => {
    await emu.close();
  });

  it.each([
    ['1', 731, 'orders.created_date', '2025-03-15'],
    ['2', 104, 'orders.created_week', '2025-03-10'],
    ['3', 36, 'orders.created_month', '2025-03'],
    ['4', 12, 'orders.created_quarter', '2025-Q1'],
    ['5', 8, 'orders.created_year', 2025],
    ['6', 336, 'events.created_time', '2025-03-15 10:00:00'],
    ['10', 240, 'orders.created_date', '2025-03-15'],
  ])('Look %s ends at the clock\'s today', async (id, count, field, first) => {
    const rows = await runJson(`${id}/run/json`);
    expect(rows).toHaveLength(count);
    expect(rows[0]?.[field]).toEqual(first);
  });

  it('has the documented edge cases', async () => {
    const gaps = await runJson('7/run/json');
    expect(gaps.some((r) => r['orders.average_order_value'] === null)).toBe(true);
    expect(gaps.at(-1)?.['orders.created_date']).toBeNull();
    const strings = await runJson('8/run/json');
    expect(strings.every((r) => /^-?\d+\.\d{2}$/.test(String(r['events.session_minutes'])))).toBe(true);
    const pivoted = await runJson('9/run/json?limit=1');
    expect(Object.keys((pivoted[0]?.['orders.count'] as Json)['orders.status'] as Json)).toEqual(['cancelled', 'complete', 'returned']);
    const dupes = await runJson('10/run/json?limit=4');
    expect(new Set(dupes.map((r) => r['orders.created_date'])).size).toBe(1);
    expect(await runJson('11/run/json?limit=-1')).toHaveLength(100_000);
  });

  it('gives a date the same values whatever day it is', async () => {
    const before = (await runJson('1/run/json?limit=3'))[1];
    now = new Date('2025-03-16T10:30:00Z');
    const after = (await runJson('1/run/json?limit=3'))[2];
    expect(after).toEqual(before);
    expect(after?.['orders.created_date']).toBe('2025-03-14');
  });
});
