import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadSeed, startLookerEmulator, type EmulatorCounters, type LookerEmulator } from '../../src/looker-emulator';

const DOCS = 'https://cloud.google.com/looker/docs/r/err/4.0';
type Json = Record<string, unknown>;

let emu: LookerEmulator;
let token: string;

async function login(): Promise<string> {
  const res = await fetch(`${emu.apiUrl}/login`, { method: 'POST', body: new URLSearchParams({ client_id: 'id', client_secret: 'secret' }) });
  return ((await res.json()) as { access_token: string }).access_token;
}
const get = (path: string) => fetch(`${emu.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });

/** Polls until the emulator's counters satisfy `ready` (no fixed sleeps). */
async function until(ready: (c: EmulatorCounters) => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (ready(emu.control.counters())) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`condition not reached: ${JSON.stringify(emu.control.counters())}`);
}

beforeAll(async () => {
  emu = await startLookerEmulator({ clientId: 'id', clientSecret: 'secret', seed: loadSeed('test') });
  token = await login();
});
afterEach(() => {
  emu.control.reset();
});
afterAll(async () => {
  await emu.close();
});

describe('faults', () => {
  it('adds latency to matching requests', async () => {
    emu.control.addFault({ type: 'latency', ms: 150, match: { path: '/looks/1/run/json' } });
    const started = performance.now();
    expect((await get('/looks/1/run/json?limit=1')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    await get('/looks/2/run/json?limit=1');
    expect(emu.control.listFaults()[0]).toMatchObject({ type: 'latency', hits: 1, active: true, remaining: null });
  });

  it('answers the next N matching requests with a 5xx Looker error', async () => {
    const fault = emu.control.addFault({ type: 'error', status: 503, count: 2, match: { path: '/looks/1/run/json' } });
    expect(fault.id).toMatch(/^f\d+$/);
    const first = await get('/looks/1/run/json');
    expect(first.status).toBe(503);
    expect(await first.json()).toEqual({
      message: 'Service Unavailable',
      documentation_url: `${DOCS}/503/get/looks/:look_id/run/:result_format`,
    });
    expect((await get('/looks/2/run/json?limit=1')).status).toBe(200);
    expect((await get('/looks/1/run/json?limit=1')).status).toBe(503);
    expect((await get('/looks/1/run/json?limit=1')).status).toBe(200);
    expect(emu.control.listFaults()[0]).toMatchObject({ hits: 2, remaining: 0, active: false });
  });

  it('keeps failing until the fault is removed when no count is given', async () => {
    const fault = emu.control.addFault({ type: 'error', status: 500, message: 'Boom', match: { pathPrefix: '/looks' } });
    for (let i = 0; i < 3; i++) {
      const res = await get('/looks/1');
      expect(res.status).toBe(500);
      expect(((await res.json()) as Json).message).toBe('Boom');
    }
    expect(emu.control.removeFault(fault.id)).toBe(true);
    expect(emu.control.removeFault(fault.id)).toBe(false);
    expect((await get('/looks/1')).status).toBe(200);
  });

  it('answers 429 with Retry-After for N requests', async () => {
    emu.control.addFault({ type: 'rate-limit', retryAfterSeconds: 7, count: 1, match: { route: '/looks/:look_id/run/:result_format' } });
    const limited = await get('/looks/3/run/json');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(await limited.json()).toEqual({
      message: 'Too Many Requests',
      documentation_url: `${DOCS}/429/get/looks/:look_id/run/:result_format`,
    });
    expect((await get('/looks/3/run/json')).status).toBe(200);
  });

  it('matches on method, path, prefix, regex and route', async () => {
    emu.control.addFault({ type: 'error', status: 502, match: { method: 'post', path: '/api/4.0/login' } });
    expect((await fetch(`${emu.apiUrl}/login`, { method: 'POST' })).status).toBe(502);
    expect((await get('/user')).status).toBe(200);
    emu.control.clearFaults();

    emu.control.addFault({ type: 'error', status: 504, match: { pathRegex: /\/run\/csv$/ } });
    expect((await get('/looks/1/run/csv?limit=1')).status).toBe(504);
    expect((await get('/looks/1/run/json?limit=1')).status).toBe(200);
    emu.control.clearFaults();

    emu.control.addFault({ type: 'error', status: 503, match: { route: '/looks/:look_id' } });
    expect((await get('/looks/2')).status).toBe(503);
    expect((await get('/looks')).status).toBe(200);
    emu.control.clearFaults();

    emu.control.addFault({ type: 'error', status: 503, match: { path: '/versions' } });
    expect((await fetch(`${emu.url}/versions`)).status).toBe(503);
  });

  it('rejects an invalid fault', () => {
    expect(() => emu.control.addFault({ type: 'error', status: 200 })).toThrow();
    expect(() => emu.control.addFault({ type: 'latency' } as never)).toThrow();
  });

  it('hangs a request until the fault is removed, then answers it', async () => {
    const fault = emu.control.addFault({ type: 'hang', count: 1, match: { path: '/looks/1' } });
    let settled = false;
    const pending = get('/looks/1').then((res) => {
      settled = true;
      return res;
    });
    await until((c) => c.requestsByPath['GET /looks/1'] === 1);
    expect((await get('/looks/2')).status).toBe(200);
    expect((await get('/looks/1')).status).toBe(200); // count was 1: only the first request hangs
    expect(settled).toBe(false);
    emu.control.removeFault(fault.id);
    expect((await pending).status).toBe(200);
  });

  it('hangs until close(), which ends hanging connections promptly', async () => {
    const other = await startLookerEmulator({ clientId: 'id', clientSecret: 'secret', seed: loadSeed('test') });
    other.control.addFault({ type: 'hang' });
    const pending = fetch(`${other.url}/alive`);
    for (let i = 0; i < 500 && !other.control.counters().requests['GET /alive']; i++) await new Promise((r) => setTimeout(r, 5));
    await other.close();
    await expect(pending).rejects.toThrow();
  });

  it('sends malformed JSON for matching requests', async () => {
    emu.control.addFault({ type: 'malformed-json', count: 2, match: { pathPrefix: '/looks/' } });
    const look = await get('/looks/1');
    expect(look.status).toBe(200);
    expect(look.headers.get('content-type')).toMatch(/^application\/json/);
    await expect(look.json()).rejects.toThrow(SyntaxError);
    const big = await get('/looks/11/run/json');
    const text = await big.text();
    expect(text.startsWith('[{"orders.created_date":"2024-06-30"')).toBe(true);
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
    expect(((await (await get('/looks/1')).json()) as Json).id).toBe('1');
  });
});

describe('counters', () => {
  it('counts logins, failed logins and logouts', async () => {
    emu.control.resetCounters();
    const t = await login();
    await fetch(`${emu.apiUrl}/login`, { method: 'POST', body: new URLSearchParams({ client_id: 'id', client_secret: 'bad' }) });
    await fetch(`${emu.apiUrl}/logout`, { method: 'DELETE', headers: { authorization: `Bearer ${t}` } });
    await fetch(`${emu.apiUrl}/logout`, { method: 'DELETE', headers: { authorization: `Bearer ${t}` } });
    expect(emu.control.counters()).toMatchObject({ logins: 1, failedLogins: 1, logouts: 1 });
  });

  it('counts runs per Look (only runs that produced a result) and requests per route and path', async () => {
    emu.control.resetCounters();
    await get('/looks/1/run/json?limit=1');
    await get('/looks/1/run/csv?limit=1');
    await get('/looks/2/run/json_detail?limit=1');
    await get('/looks/999/run/json');
    emu.control.addFault({ type: 'error', status: 503, count: 1 });
    await get('/looks/2/run/json');
    const c = emu.control.counters();
    expect(c.runs).toEqual({ '1': 2, '2': 1 });
    expect(c.requests['GET /looks/:look_id/run/:result_format']).toBe(5);
    expect(c.requestsByPath['GET /looks/1/run/json']).toBe(1);
    expect(c.requestsByPath['GET /looks/2/run/json']).toBe(1);
  });

  it('tracks current and peak concurrent runs, latency included', async () => {
    emu.control.resetCounters();
    emu.control.addFault({ type: 'latency', ms: 200, match: { route: '/looks/:look_id/run/:result_format' } });
    const runs = Array.from({ length: 5 }, (_, i) => get(`/looks/${i + 1}/run/json?limit=1`));
    await until((c) => c.runsInFlight === 5);
    await get('/looks/1'); // not a run
    expect(emu.control.counters().peakRunsInFlight).toBe(5);
    for (const res of await Promise.all(runs)) expect(res.status).toBe(200);
    await until((c) => c.runsInFlight === 0);
    expect(emu.control.counters().peakRunsInFlight).toBe(5);
  });

  it('counts hanging runs as in flight until they are answered', async () => {
    emu.control.resetCounters();
    const hang = emu.control.addFault({ type: 'hang', match: { pathRegex: '^/looks/\\d+/run/' } });
    const runs = [get('/looks/1/run/json?limit=1'), get('/looks/2/run/json?limit=1')];
    await until((c) => c.runsInFlight === 2);
    expect(emu.control.counters().runs).toEqual({});
    emu.control.removeFault(hang.id);
    await Promise.all(runs);
    await until((c) => c.runsInFlight === 0);
    expect(emu.control.counters().runs).toEqual({ '1': 1, '2': 1 });
  });

  it('resetCounters zeroes everything', async () => {
    await get('/looks/1/run/json?limit=1');
    emu.control.resetCounters();
    expect(emu.control.counters()).toEqual({
      logins: 0, failedLogins: 0, logouts: 0, runs: {}, runsInFlight: 0, peakRunsInFlight: 0, requests: {}, requestsByPath: {},
    });
  });
});

describe('runtime Look changes', () => {
  it('replaces a Look\'s rows (sorted as the Look is saved) and appends new ones', async () => {
    emu.control.setLookRows('1', [
      { 'orders.created_date': '2024-07-01', 'orders.total_revenue': 10, 'orders.count': 1 },
      { 'orders.created_date': '2024-07-02', 'orders.total_revenue': 20, 'orders.count': 2 },
    ]);
    emu.control.appendLookRows('1', [{ 'orders.created_date': '2024-07-03', 'orders.total_revenue': null, 'orders.count': 3 }]);
    const rows = (await (await get('/looks/1/run/json')).json()) as Json[];
    expect(rows.map((r) => [r['orders.created_date'], r['orders.total_revenue']])).toEqual([
      ['2024-07-03', null],
      ['2024-07-02', 20],
      ['2024-07-01', 10],
    ]);
  });

  it('appends to generated data (new data arriving the next day)', async () => {
    emu.control.appendLookRows('1', [{ 'orders.created_date': '2024-07-01', 'orders.total_revenue': 5, 'orders.count': 5 }]);
    const rows = (await (await get('/looks/1/run/json')).json()) as Json[];
    expect(rows).toHaveLength(732);
    expect(rows[0]).toEqual({ 'orders.created_date': '2024-07-01', 'orders.total_revenue': 5, 'orders.count': 5 });
    expect(rows[1]?.['orders.created_date']).toBe('2024-06-30');
  });

  it('soft-deletes and restores a Look', async () => {
    emu.control.deleteLook('1');
    expect((await get('/looks/1')).status).toBe(404);
    expect((await get('/looks/1/run/json')).status).toBe(404);
    expect(((await (await get('/looks')).json()) as Json[]).map((l) => l.id)).not.toContain('1');
    const deleted = (await (await get('/looks/search?deleted=true&id=1')).json()) as Json[];
    expect(deleted[0]).toMatchObject({ id: '1', deleted: true });
    emu.control.restoreLook('1');
    expect((await get('/looks/1')).status).toBe(200);
  });

  it('reset() restores the seed data', async () => {
    emu.control.setLookRows('1', []);
    emu.control.reset();
    expect(((await (await get('/looks/1/run/json')).json()) as Json[]).length).toBe(731);
  });

  it('rejects rows with unknown fields and unknown Looks', () => {
    expect(() => emu.control.setLookRows('1', [{ 'orders.nope': 1 }])).toThrow(/orders.nope/);
    expect(() => emu.control.deleteLook('999')).toThrow(/999/);
  });
});
