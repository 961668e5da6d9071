import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectEmulatorControl, loadSeed, startLookerEmulator, type LookerEmulator } from '../../src/looker-emulator';
import { exposureWarning } from '../../src/looker-emulator/exposure';

type Json = Record<string, unknown>;
let emu: LookerEmulator;
let token: string;

async function login(): Promise<string> {
  const res = await fetch(`${emu.apiUrl}/login`, { method: 'POST', body: new URLSearchParams({ client_id: 'id', client_secret: 'secret' }) });
  return ((await res.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  emu = await startLookerEmulator({ clientId: 'id', clientSecret: 'secret', seed: loadSeed('test') });
  token = await login();
});
afterEach(async () => {
  await fetch(`${emu.url}/__emulator/reset`, { method: 'POST', headers: controlHeader });
  token = await login(); // some tests expire or shorten tokens
});
afterAll(async () => {
  await emu.close();
});

const controlHeader = { 'x-looker-emulator-control': '1' };
const api = (path: string) => fetch(`${emu.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
const control = (method: string, path: string, body?: unknown) =>
  fetch(`${emu.url}/__emulator${path}`, {
    method,
    headers: body === undefined ? controlHeader : { ...controlHeader, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('/__emulator over HTTP', () => {
  it('adds, lists and removes faults', async () => {
    const created = await control('POST', '/faults', { type: 'error', status: 503, count: 1, match: { path: '/looks/1' } });
    expect(created.status).toBe(201);
    const fault = (await created.json()) as Json;
    expect(fault).toMatchObject({ id: expect.any(String) as unknown, type: 'error', status: 503, remaining: 1, hits: 0, active: true });
    expect((await api('/looks/1')).status).toBe(503);
    const listed = (await (await control('GET', '/faults')).json()) as Json[];
    expect(listed).toEqual([expect.objectContaining({ id: fault.id, hits: 1, active: false })]);
    expect((await control('DELETE', `/faults/${String(fault.id)}`)).status).toBe(204);
    expect((await control('DELETE', `/faults/${String(fault.id)}`)).status).toBe(404);
    await control('POST', '/faults', { type: 'rate-limit', retryAfterSeconds: 3 });
    expect((await api('/user')).headers.get('retry-after')).toBe('3');
    expect((await control('DELETE', '/faults')).status).toBe(204);
    expect((await api('/user')).status).toBe(200);
  });

  it('accepts a regex matcher as a string', async () => {
    await control('POST', '/faults', { type: 'error', status: 500, match: { pathRegex: '^/looks/\\d+$' } });
    expect((await api('/looks/2')).status).toBe(500);
    expect((await api('/looks/2/run/json?limit=1')).status).toBe(200);
  });

  it('rejects invalid faults and bodies with 400', async () => {
    const bad = await control('POST', '/faults', { type: 'explode' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json).error).toEqual(expect.any(String));
    expect((await control('POST', '/faults', { type: 'latency', ms: -1 })).status).toBe(400);
    const notJson = await fetch(`${emu.url}/__emulator/faults`, { method: 'POST', headers: { ...controlHeader, 'content-type': 'application/json' }, body: '{nope' });
    expect(notJson.status).toBe(400);
  });

  it('reads and resets counters; control calls are not counted', async () => {
    await control('POST', '/counters/reset');
    await api('/looks/1/run/json?limit=1');
    const counters = (await (await control('GET', '/counters')).json()) as Json;
    expect(counters).toMatchObject({ runs: { '1': 1 }, runsInFlight: 0, peakRunsInFlight: 1 });
    expect(Object.keys(counters.requests as Json)).toEqual(['GET /looks/:look_id/run/:result_format']);
    expect((await control('POST', '/counters/reset')).status).toBe(204);
    expect(((await (await control('GET', '/counters')).json()) as Json).runs).toEqual({});
  });

  it('expires tokens and changes their lifetime', async () => {
    const expired = (await (await control('POST', '/tokens/expire')).json()) as Json;
    expect(expired.expired).toBeGreaterThanOrEqual(1);
    expect((await api('/user')).status).toBe(401);
    expect((await control('PUT', '/tokens/ttl', { seconds: 5 })).status).toBe(204);
    const res = await fetch(`${emu.apiUrl}/login`, { method: 'POST', body: new URLSearchParams({ client_id: 'id', client_secret: 'secret' }) });
    expect(((await res.json()) as { expires_in: number }).expires_in).toBe(5);
    expect((await control('PUT', '/tokens/ttl', { seconds: 'x' })).status).toBe(400);
  });

  it('replaces, appends, deletes and restores Look data', async () => {
    const row = (date: string, count: number) => ({ 'orders.created_date': date, 'orders.total_revenue': count * 10, 'orders.count': count });
    expect((await control('PUT', '/looks/1/rows', { rows: [row('2024-07-01', 1)] })).status).toBe(204);
    expect((await control('POST', '/looks/1/rows', { rows: [row('2024-07-02', 2)] })).status).toBe(204);
    expect(await (await api('/looks/1/run/json')).json()).toEqual([row('2024-07-02', 2), row('2024-07-01', 1)]);
    expect((await control('POST', '/looks/1/delete')).status).toBe(204);
    expect((await api('/looks/1')).status).toBe(404);
    expect((await control('POST', '/looks/1/restore')).status).toBe(204);
    expect((await api('/looks/1')).status).toBe(200);
  });

  it('answers bad Look changes with 400/404 and unknown routes with 404', async () => {
    expect((await control('PUT', '/looks/1/rows', { rows: [{ 'x.y': 1 }] })).status).toBe(400);
    expect((await control('PUT', '/looks/1/rows', { rows: 'nope' })).status).toBe(400);
    expect((await control('POST', '/looks/999/delete')).status).toBe(404);
    expect((await control('GET', '/nothing')).status).toBe(404);
  });

  it('reset puts everything back to the seed', async () => {
    await control('POST', '/looks/2/delete');
    await control('POST', '/faults', { type: 'latency', ms: 1 });
    expect((await control('POST', '/reset')).status).toBe(204);
    expect((await api('/looks/2')).status).toBe(200);
    expect(await (await control('GET', '/faults')).json()).toEqual([]);
  });
});

describe('connectEmulatorControl (typed client for other processes)', () => {
  it('drives the same controls over HTTP', async () => {
    const remote = connectEmulatorControl(emu.apiUrl);
    const fault = await remote.addFault({ type: 'error', status: 502, count: 1, match: { pathRegex: /^\/looks\/3$/ } });
    expect((await remote.listFaults())[0]).toMatchObject({ id: fault.id, match: { pathRegex: '^\\/looks\\/3$' } });
    expect((await api('/looks/3')).status).toBe(502);
    expect(await remote.removeFault(fault.id)).toBe(true);
    expect(await remote.removeFault(fault.id)).toBe(false);

    await remote.resetCounters();
    await api('/looks/3/run/json?limit=1');
    expect((await remote.counters()).runs).toEqual({ '3': 1 });

    await remote.deleteLook('3');
    expect((await api('/looks/3')).status).toBe(404);
    await remote.restoreLook('3');
    await remote.setLookRows('3', [{ 'orders.created_month': '2024-07', 'orders.total_revenue': 1 }]);
    await remote.appendLookRows('3', [{ 'orders.created_month': '2024-08', 'orders.total_revenue': 2 }]);
    expect(((await (await api('/looks/3/run/json')).json()) as Json[]).length).toBe(2);
    await expect(remote.setLookRows('3', [{ nope: 1 }])).rejects.toThrow(/400/);

    await remote.setTokenTtl(3600);
    expect(await remote.expireTokens()).toBeGreaterThanOrEqual(1);
    await remote.clearFaults();
    await remote.reset();
    expect(((await (await fetch(`${emu.url}/__emulator/counters`, { headers: controlHeader })).json()) as Json).logins).toBe(0);
  });
});

describe('/__emulator refuses what a web page could send cross-site', () => {
  const fault = JSON.stringify({ type: 'error', status: 503 });

  it('refuses a text/plain body (a form or no-cors fetch) even with valid JSON in it, and installs nothing', async () => {
    const refused = await fetch(`${emu.url}/__emulator/faults`, { method: 'POST', headers: { ...controlHeader, 'content-type': 'text/plain' }, body: fault });
    expect(refused.status).toBe(415);
    expect(((await refused.json()) as Json).error).toMatch(/Content-Type: application\/json/);
    expect(await (await control('GET', '/faults')).json()).toEqual([]);
    expect((await api('/user')).status).toBe(200);
  });

  it('refuses a request without the control header, whatever its content type', async () => {
    const refused = await fetch(`${emu.url}/__emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: fault });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as Json).error).toContain('x-looker-emulator-control');
    expect((await fetch(`${emu.url}/__emulator/reset`, { method: 'POST' })).status).toBe(403);
    expect(await (await control('GET', '/faults')).json()).toEqual([]);
  });
});

describe('--host exposure warning', () => {
  it.each(['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]'])('is silent for the loopback host %s', (host) => {
    expect(exposureWarning(host)).toBeUndefined();
  });

  it.each(['0.0.0.0', '::', '192.168.1.20', 'devbox.example.com', '::ffff:10.0.0.1'])('warns loudly for %s, naming the host and the risk', (host) => {
    expect(exposureWarning(host)).toMatch(new RegExp(`WARNING: the Looker emulator listens on ${host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, not only on loopback[\\s\\S]*without authentication`));
  });
});
