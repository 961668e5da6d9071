import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSeed, startLookerEmulator, type LookerEmulator } from '../../src/looker-emulator';

const DOCS = 'https://cloud.google.com/looker/docs/r/err/4.0';
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?\+00:00$/;
type Json = Record<string, unknown>;

let emu: LookerEmulator;
let token: string;

beforeAll(async () => {
  emu = await startLookerEmulator({ clientId: 'id', clientSecret: 'secret', seed: loadSeed('test') });
  const res = await fetch(`${emu.apiUrl}/login`, { method: 'POST', body: new URLSearchParams({ client_id: 'id', client_secret: 'secret' }) });
  token = ((await res.json()) as { access_token: string }).access_token;
});
afterAll(async () => {
  await emu.close();
});

const get = (path: string) => fetch(`${emu.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
const getJson = async <T = Json>(path: string) => (await (await get(path)).json()) as T;
const ids = (looks: Json[]) => looks.map((l) => l.id);

describe('GET /looks', () => {
  it('lists every Look except soft-deleted ones, with no paging headers', async () => {
    const res = await get('/looks');
    expect(res.status).toBe(200);
    expect(res.headers.get('link')).toBeNull();
    expect(res.headers.get('x-total-count')).toBeNull();
    const looks = (await res.json()) as Json[];
    expect(ids(looks)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '13', '14']);
  });

  it('returns abbreviated Looks (no query) with string ids and ISO date-times', async () => {
    const [look] = await getJson<Json[]>('/looks');
    expect(look).toMatchObject({
      id: '1',
      title: 'Daily revenue',
      folder_id: '2',
      user_id: '7',
      query_id: '1001',
      deleted: false,
      deleted_at: null,
      model: { id: 'ecommerce', label: 'E-commerce' },
      folder: { id: '2', name: 'KPIs', parent_id: '1' },
      view_count: 214,
      favorite_count: 9,
      created_at: '2024-01-15T09:30:00.000+00:00',
    });
    expect(look).not.toHaveProperty('query');
    expect(look?.updated_at).toMatch(ISO_WITH_OFFSET);
    expect(look).not.toHaveProperty('space_id');
  });

  it('honours fields', async () => {
    const looks = await getJson<Json[]>('/looks?fields=id,title');
    expect(looks[0]).toEqual({ id: '1', title: 'Daily revenue' });
  });
});

describe('GET /looks/search', () => {
  it('matches title case-insensitively and exactly without wildcards', async () => {
    expect(ids(await getJson<Json[]>('/looks/search?title=daily%20REVENUE'))).toEqual(['1']);
    expect(ids(await getJson<Json[]>('/looks/search?title=daily'))).toEqual([]);
  });

  it('supports SQL LIKE % and _', async () => {
    expect(ids(await getJson<Json[]>('/looks/search?title=%25revenue%25'))).toEqual(['1', '3', '4', '5', '10']);
    expect(ids(await getJson<Json[]>('/looks/search?title=_eekly%20orders'))).toEqual(['2']);
  });

  it('filters by description, id lists and folder_id', async () => {
    expect(ids(await getJson<Json[]>('/looks/search?description=%25numeric%20strings%25'))).toEqual(['8']);
    expect(ids(await getJson<Json[]>('/looks/search?id=3,1,12'))).toEqual(['1', '3']);
    expect(ids(await getJson<Json[]>('/looks/search?folder_id=3'))).toEqual([]);
    expect(ids(await getJson<Json[]>('/looks/search?folder_id=3&deleted=true'))).toEqual(['12']);
  });

  it('finds soft-deleted Looks only with deleted=true', async () => {
    const deleted = await getJson<Json[]>('/looks/search?deleted=true');
    expect(ids(deleted)).toEqual(['12']);
    expect(deleted[0]).toMatchObject({ deleted: true, deleted_at: '2024-06-15T12:00:00.000+00:00', deleter_id: '7' });
    expect(ids(await getJson<Json[]>('/looks/search?title=Retired%25'))).toEqual([]);
  });

  it('ANDs filters, or ORs them with filter_or=true', async () => {
    expect(ids(await getJson<Json[]>('/looks/search?title=Daily%20revenue&id=2'))).toEqual([]);
    expect(ids(await getJson<Json[]>('/looks/search?title=Daily%20revenue&id=2&filter_or=true'))).toEqual(['1', '2']);
  });

  it('sorts by the sorts parameter', async () => {
    const byTitle = await getJson<Json[]>('/looks/search?sorts=title&fields=id,title');
    const titles = byTitle.map((l) => String(l.title));
    expect(titles).toEqual([...titles].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })));
    expect(ids(await getJson<Json[]>('/looks/search?sorts=id%20desc&id=1,2,10'))).toEqual(['10', '2', '1']);
  });

  it('sends Link and X-Total-Count only when limit is sent', async () => {
    const unpaged = await get('/looks/search');
    expect(unpaged.headers.get('link')).toBeNull();
    expect(unpaged.headers.get('x-total-count')).toBeNull();

    const res = await get('/looks/search?limit=5&offset=5&fields=id');
    expect(res.headers.get('x-total-count')).toBe('13');
    expect(ids((await res.json()) as Json[])).toEqual(['6', '7', '8', '9', '10']);
    const links = new Map<string, URL>();
    for (const part of (res.headers.get('link') ?? '').split(', ')) {
      const m = /^<([^>]+)>; rel="(\w+)"$/.exec(part);
      if (m?.[1] && m[2]) links.set(m[2], new URL(m[1]));
    }
    expect([...links.keys()].sort()).toEqual(['first', 'last', 'next', 'prev']);
    const offsetOf = (rel: string) => links.get(rel)?.searchParams.get('offset');
    expect([offsetOf('first'), offsetOf('prev'), offsetOf('next'), offsetOf('last')]).toEqual(['0', '0', '10', '10']);
    const first = links.get('first');
    expect(first?.origin).toBe(emu.url);
    expect(first?.pathname).toBe('/api/4.0/looks/search');
    expect(first?.searchParams.get('fields')).toBe('id');
    expect(first?.searchParams.get('limit')).toBe('5');
  });

  it('omits next on the last page and prev on the first', async () => {
    const first = await get('/looks/search?limit=10');
    expect(first.headers.get('link')).toContain('rel="next"');
    expect(first.headers.get('link')).not.toContain('rel="prev"');
    const last = await get('/looks/search?limit=10&offset=10');
    expect(((await last.json()) as Json[]).length).toBe(3);
    expect(last.headers.get('link')).not.toContain('rel="next"');
    expect(last.headers.get('link')).toContain('rel="prev"');
  });

  it('maps deprecated page/per_page to limit/offset', async () => {
    const res = await get('/looks/search?per_page=4&page=2&fields=id');
    expect(ids((await res.json()) as Json[])).toEqual(['5', '6', '7', '8']);
    expect(res.headers.get('link')).toContain('limit=4&offset=0');
  });

  it.each(['deleted=maybe', 'limit=-1', 'limit=abc', 'sorts=nonsense'])('answers %s with 400', async (query) => {
    const res = await get(`/looks/search?${query}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as Json;
    expect(body.documentation_url).toBe(`${DOCS}/400/get/looks/search`);
    expect(body.message).toEqual(expect.any(String));
  });
});

describe('GET /looks/{look_id}', () => {
  it('returns a LookWithQuery with the saved query (limit as a string)', async () => {
    const look = await getJson('/looks/1');
    expect(look).toMatchObject({ id: '1', title: 'Daily revenue', url: '/looks/1', folder_id: '2' });
    expect(look.query).toMatchObject({
      id: '1001',
      model: 'ecommerce',
      view: 'orders',
      fields: ['orders.created_date', 'orders.total_revenue', 'orders.count'],
      pivots: null,
      fill_fields: null,
      filters: null,
      sorts: ['orders.created_date desc'],
      limit: '5000',
      column_limit: null,
      dynamic_fields: null,
      vis_config: { type: 'looker_line' },
    });
  });

  it('shows pivots and the unlimited "-1" limit as saved', async () => {
    expect(((await getJson('/looks/9')).query as Json).pivots).toEqual(['orders.status']);
    expect(((await getJson('/looks/11')).query as Json).limit).toBe('-1');
  });

  it('honours nested fields', async () => {
    expect(await getJson('/looks/1?fields=id,query(id,limit),folder(name)')).toEqual({
      id: '1',
      query: { id: '1001', limit: '5000' },
      folder: { name: 'KPIs' },
    });
  });

  it.each(['12', '999', 'abc'])('answers Look %s (deleted or unknown) with 404', async (id) => {
    const res = await get(`/looks/${id}`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: 'Not found', documentation_url: `${DOCS}/404/get/looks/:look_id` });
  });
});

describe('GET /lookml_models/{model}/explores/{explore}', () => {
  it('returns a LookmlModelExplore with field metadata', async () => {
    const explore = await getJson('/lookml_models/ecommerce/explores/orders');
    expect(explore).toMatchObject({ id: 'ecommerce::orders', name: 'orders', model_name: 'ecommerce', label: 'Orders' });
    const fields = explore.fields as { dimensions: Json[]; measures: Json[]; filters: Json[]; parameters: Json[] };
    expect(fields.filters).toEqual([]);
    expect(fields.parameters).toEqual([]);
    const byName = (list: Json[], name: string) => list.find((f) => f.name === name);
    expect(byName(fields.dimensions, 'orders.created_week')).toMatchObject({
      name: 'orders.created_week',
      label: 'Orders Created Week',
      label_short: 'Created Week',
      view: 'orders',
      view_label: 'Orders',
      type: 'date_week',
      category: 'dimension',
      measure: false,
      is_numeric: false,
      is_timeframe: true,
      time_interval: { name: 'week', count: 1 },
      dimension_group: 'orders.created',
      field_group_label: 'Created Date',
      field_group_variant: 'Week',
    });
    expect(byName(fields.measures, 'orders.total_revenue')).toMatchObject({
      type: 'sum',
      category: 'measure',
      measure: true,
      is_numeric: true,
      is_timeframe: false,
      time_interval: null,
      dimension_group: null,
      value_format_name: 'usd',
    });
    expect(byName(fields.dimensions, 'orders.status')).toMatchObject({ type: 'string', is_numeric: false, is_timeframe: false });
  });

  it('honours nested fields', async () => {
    const explore = await getJson('/lookml_models/product/explores/events?fields=fields(dimensions(name,type))');
    expect(explore).toEqual({
      fields: { dimensions: [{ name: 'events.created_time', type: 'date_time' }, { name: 'events.created_date', type: 'date_date' }] },
    });
  });

  it.each(['/lookml_models/ecommerce/explores/nope', '/lookml_models/nope/explores/orders'])('answers %s with 404', async (path) => {
    const res = await get(path);
    expect(res.status).toBe(404);
    expect(((await res.json()) as Json).documentation_url).toBe(`${DOCS}/404/get/lookml_models/:lookml_model_name/explores/:explore_name`);
  });
});
