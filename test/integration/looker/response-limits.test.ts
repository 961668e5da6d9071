import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createGuardedDispatcher } from '../../../src/looker/address-guard';
import { createLookerClientFactory } from '../../../src/looker/client-factory';
import { LookerError } from '../../../src/looker/errors';
import { FailureType } from '../../../src/shared/failure-types';
import { createLookerDbFixture, type LookerDbFixture } from '../../helpers/looker-integration';

const hostileBodyBytes = 256 * 1024 * 1024;
/**
 * The most the test process may grow (peak RSS, and peak V8 heap plus Buffers, over the baseline)
 * while refusing 256 MiB answers: the client reads at most 4 MB of metadata per call or one 64 KB
 * row at a time, plus socket buffers and garbage not yet collected (about 50 MiB measured for the
 * three concurrent lists; the old client grew by 769 MiB RSS and 1.5 GiB heap there).
 */
const growthBound = 96 * 1024 * 1024;
const wideRows = 5_000;
const credentials = { clientId: 'hostile-client', clientSecret: 'hostile-secret-1c2d3e4f' };

/**
 * A "Looker" a tenant controls: it answers /versions and /login like Looker, then streams a body
 * of 256 MiB (generated on the fly, never held) for every other call. It counts the bytes it got
 * rid of, so the test sees the client stop reading long before the end.
 */
async function startHostileLooker(): Promise<{ apiUrl: string; host: string; bytesSent(): number; close(): Promise<void> }> {
  let sent = 0;
  const stream = (res: ServerResponse, open: string, element: string, close: string) => {
    // One chunk of whole elements, written again and again until 256 MiB went out or the client left.
    const chunk = Buffer.from(`${element},`.repeat(Math.max(1, Math.floor(64 * 1024 / (element.length + 1)))));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(open);
    let written = open.length;
    const pump = () => {
      while (written < hostileBodyBytes && !res.destroyed) {
        written += chunk.length;
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end(`${element}${close}`);
    };
    pump();
  };
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://hostile.invalid').pathname;
    req.resume();
    if (path === '/api/4.0/versions') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ looker_release_version: '25.0.0', current_version: { version: '4.0' }, supported_versions: [{ version: '4.0' }] }),
      );
    } else if (path === '/api/4.0/login') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'hostile-token-0123456789', token_type: 'Bearer', expires_in: 3600 }));
    } else if (path.endsWith('/looks/wide/run/json')) {
      // An honest but wide Look: 5,000 rows, each with a 900-byte column nobody imports.
      const row = (i: number) => JSON.stringify({ 'orders.created_date': `day-${i}`, 'orders.total_revenue': i, note: 'x'.repeat(900) });
      res.writeHead(200, { 'content-type': 'application/json' }).end(`[${Array.from({ length: wideRows }, (_, i) => row(i)).join(',')}]`);
    } else if (path.endsWith('/run/json')) {
      // Rows like a Look's, far more of them than asked for.
      stream(res, '[', JSON.stringify({ 'orders.created_date': '2026-01-01', 'orders.total_revenue': 1, note: 'x'.repeat(900) }), ']');
    } else if (path.endsWith('/run/json_detail')) {
      stream(res, '{"fields":{"dimensions":[', JSON.stringify({ name: 'orders.created_date', type: 'date_date', label: 'x'.repeat(900) }), ']}}');
    } else {
      stream(res, '[', JSON.stringify({ id: '1', title: 'x'.repeat(1000) }), ']');
    }
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/api/4.0`,
    host: `127.0.0.1:${port}`,
    bytesSent: () => sent,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** Runs `call` while sampling the process's memory; returns its outcome and the peak growth. */
async function measured<T>(call: () => Promise<T>): Promise<{ outcome: PromiseSettledResult<T>; rssGrowth: number; heapGrowth: number }> {
  const sample = () => {
    const usage = process.memoryUsage();
    return { rss: usage.rss, heap: usage.heapUsed + usage.external + usage.arrayBuffers };
  };
  const baseline = sample();
  let peak = baseline;
  const timer = setInterval(() => {
    const now = sample();
    peak = { rss: Math.max(peak.rss, now.rss), heap: Math.max(peak.heap, now.heap) };
  }, 5);
  const [outcome] = await Promise.allSettled([call()]);
  clearInterval(timer);
  const last = sample();
  return {
    outcome: outcome as PromiseSettledResult<T>,
    rssGrowth: Math.max(peak.rss, last.rss) - baseline.rss,
    heapGrowth: Math.max(peak.heap, last.heap) - baseline.heap,
  };
}

function refusal(outcome: PromiseSettledResult<unknown>): LookerError {
  if (outcome.status === 'fulfilled') throw new Error('the call was not refused');
  if (!(outcome.reason instanceof LookerError)) throw outcome.reason;
  return outcome.reason;
}

/**
 * Finding 14.1: a tenant's endpoint that streams 256 MiB must not grow the shared process by
 * anything like that. Every call is refused with a readable error, the client stops reading, and
 * the process stays within `growthBound` of where it was.
 */
describe('response size limits against a hostile "Looker"', () => {
  let hostile: Awaited<ReturnType<typeof startHostileLooker>>;
  let fixture: LookerDbFixture;
  let dispatcher: Dispatcher;
  let integrationId: string;
  const client = async () => {
    const factory = createLookerClientFactory({ db: fixture.database.db, secretBox: fixture.secretBox, dispatcher });
    const built = await factory.forIntegration(integrationId);
    if (!built) throw new Error('integration row missing');
    return built;
  };

  beforeAll(async () => {
    hostile = await startHostileLooker();
    fixture = await createLookerDbFixture(inject('databaseUrl'));
    dispatcher = createGuardedDispatcher({ allowedHosts: [hostile.host] });
    integrationId = await fixture.createIntegration({ apiEndpoint: hostile.apiUrl, ...credentials });
    // Warm up: token, pool, code paths; the measurements start from here.
    await (await client()).ensureToken();
  });
  afterAll(async () => {
    await dispatcher?.close();
    await hostile?.close();
    await fixture?.close();
  });

  it('three concurrent Look lists of 256 MiB each are refused, and the process grows less than 96 MiB', async () => {
    const sentBefore = hostile.bytesSent();
    const { outcome, rssGrowth, heapGrowth } = await measured(async () => {
      const lists = await Promise.allSettled([1, 2, 3].map(async () => (await client()).searchLooks({ limit: 100, offset: 0 })));
      for (const list of lists) if (list.status === 'fulfilled') throw new Error('a Look list was not refused');
      throw (lists[0] as PromiseRejectedResult).reason;
    });
    expect(heapGrowth).toBeLessThan(growthBound);
    expect(rssGrowth).toBeLessThan(growthBound);
    const error = refusal(outcome);
    expect(error.type).toBe(FailureType.RequestRejected);
    expect(error.message).toContain("Looker's answer to GET /looks/search is larger than 4 MB");
    expect(error.message).not.toContain(credentials.clientSecret);
    expect(error.message).not.toContain('hostile-token');
    expect(hostile.bytesSent() - sentBefore).toBeLessThan(3 * growthBound);
  });

  it("a Look's fields answer of 256 MiB is refused within the same bound", async () => {
    const { outcome, rssGrowth, heapGrowth } = await measured(async () => (await client()).lookFields('1'));
    expect(heapGrowth).toBeLessThan(growthBound);
    expect(rssGrowth).toBeLessThan(growthBound);
    const error = refusal(outcome);
    expect(error.type).toBe(FailureType.RequestRejected);
    expect(error.message).toContain('is larger than 4 MB');
  });

  it('a Look run of 256 MiB is refused after the rows asked for, within the same bound', async () => {
    const fields = ['orders.created_date', 'orders.total_revenue'];
    const { outcome, rssGrowth, heapGrowth } = await measured(async () => (await client()).runLook('1', { limit: 10_000, fields }));
    expect(heapGrowth).toBeLessThan(growthBound);
    expect(rssGrowth).toBeLessThan(growthBound);
    const error = refusal(outcome);
    expect(error.type).toBe(FailureType.RequestRejected);
    expect(error.message).toContain('Looker returned more than the 10000 rows the service asked for');
  });

  it('a shared run that would keep every column keeps only the fields in use once whole rows pass their bound, also against 256 MiB', async () => {
    const fields = ['orders.created_date', 'orders.total_revenue'];
    const { outcome, rssGrowth, heapGrowth } = await measured(async () => (await client()).runLookAllColumns('1', { limit: 10_000, fields }));
    expect(heapGrowth).toBeLessThan(growthBound);
    expect(rssGrowth).toBeLessThan(growthBound);
    expect(refusal(outcome).message).toContain('Looker returned more than the 10000 rows the service asked for');

    // 5,000 rows of 900 bytes pass the 2.5 MB the two fields may hold at 10,000 rows: projected, all of them.
    const wide = await (await client()).runLookAllColumns('wide', { limit: 10_000, fields });
    expect(wide.allColumns).toBe(false);
    const rows = wide.rows as Record<string, unknown>[];
    expect(rows).toHaveLength(wideRows);
    expect(Object.keys(rows[0]!)).toContain('note');
    expect(rows.slice(1).every((row) => Object.keys(row).sort().join() === fields.join())).toBe(true);
    expect(rows[wideRows - 1]).toEqual({ 'orders.created_date': `day-${wideRows - 1}`, 'orders.total_revenue': wideRows - 1 });
    // The same Look read for a row limit whose bound holds them whole keeps every column.
    const whole = await (await client()).runLookAllColumns('wide', { limit: 100_000, fields });
    expect(whole.allColumns).toBe(true);
    expect((whole.rows as Record<string, unknown>[]).every((row) => typeof row.note === 'string')).toBe(true);
  });
});
