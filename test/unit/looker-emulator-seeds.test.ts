import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSeed, startLookerEmulator, type EmulatorSeedInput } from '../../src/looker-emulator';
import { parseFieldSelection, selectFields } from '../../src/looker-emulator/partial-fields';
import { bucketOf, bucketStart, formatBucket } from '../../src/looker-emulator/timeframes';

const dir = mkdtempSync(join(tmpdir(), 'looker-emulator-seeds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeSeed(name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const minimal = (): EmulatorSeedInput => ({
  name: 'mini',
  user: { id: '1', first_name: 'A', last_name: 'B', email: 'a@example.com' },
  folders: [{ id: '1', name: 'Shared' }],
  models: [
    {
      name: 'm',
      explores: [{ name: 'e', fields: [{ name: 'e.day_date', type: 'date_date' }, { name: 'e.total', type: 'sum' }, { name: 'e.kind', type: 'string' }] }],
    },
  ],
  looks: [
    {
      id: '1',
      title: 'Mini',
      folder_id: '1',
      model: 'm',
      explore: 'e',
      fields: ['e.day_date', 'e.total'],
      data: { rows: [{ 'e.day_date': '2024-01-01', 'e.total': 1 }] },
    },
  ],
});

describe('loadSeed', () => {
  it.each(['demo', 'test'])('loads and validates the built-in %s seed', (name) => {
    const seed = loadSeed(name);
    expect(seed.name).toBe(name);
    expect(seed.looks.map((l) => l.id).slice(0, 12)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12']);
    expect(seed.looks.find((l) => l.id === '12')?.deleted).toBe(true);
    expect(seed.looks.find((l) => l.id === '11')?.data.generator?.periods).toBe(100_000);
  });

  it('uses "today" anchors in demo and fixed dates in test', () => {
    const ends = (name: string) => loadSeed(name).looks.flatMap((l) => (l.data.generator ? [l.data.generator.end] : []));
    expect(new Set(ends('demo'))).toEqual(new Set(['today']));
    expect(ends('test').every((end) => end.startsWith('2024-06-30'))).toBe(true);
  });

  it('loads a seed file by path and applies defaults', () => {
    const seed = loadSeed(writeSeed('mini.json', minimal()));
    expect(seed.looks[0]).toMatchObject({ limit: '500', pivots: [], sorts: [], deleted: false, description: null });
  });

  it('names the unknown seed and the built-in ones', () => {
    expect(() => loadSeed('no-such-seed')).toThrow(/demo, test/);
  });

  it('reports invalid JSON', () => {
    expect(() => loadSeed(writeSeed('broken.json', '{"name":'))).toThrow(/not valid JSON/);
  });

  it('lists every cross-reference problem', () => {
    const seed = minimal();
    const look = seed.looks[0];
    if (!look) throw new Error('fixture');
    seed.looks.push({ ...look });
    look.fields = ['e.day_date', 'e.total', 'e.missing'];
    look.pivots = ['e.kind'];
    look.sorts = ['e.other desc'];
    look.data = {
      generator: { dateField: 'e.total', end: 'today', periods: 3, measures: { 'e.day_date': { base: 1 } } },
      rows: [{ 'e.nope': 1 }],
    };
    let message = '';
    try {
      loadSeed(writeSeed('bad.json', seed));
    } catch (err) {
      message = (err as Error).message;
    }
    for (const expected of [
      'duplicate look id 1',
      'e.missing is not a field of m::e',
      "pivot e.kind must be one of the look's fields",
      'sort field e.other is not in the look',
      'e.total must be a timeframe field of the look',
      'e.day_date must be a measure of the look',
      'e.nope is not a field of the look',
    ]) {
      expect(message).toContain(expected);
    }
  });

  it('rejects schema violations (ids must be strings, limit a numeric string)', () => {
    const seed = minimal() as unknown as { looks: Record<string, unknown>[] };
    seed.looks[0] = { ...seed.looks[0], id: 1, limit: 'all' };
    expect(() => loadSeed(writeSeed('types.json', seed))).toThrow(/at looks\[0\]\.id[\s\S]*at looks\[0\]\.limit/);
  });

  it('an emulator can start from a seed object built in code', async () => {
    const emu = await startLookerEmulator({ clientId: 'a', clientSecret: 'b', seed: minimal() });
    try {
      const login = await fetch(`${emu.apiUrl}/login`, { method: 'POST', body: new URLSearchParams({ client_id: 'a', client_secret: 'b' }) });
      const { access_token } = (await login.json()) as { access_token: string };
      const res = await fetch(`${emu.apiUrl}/looks/1/run/json`, { headers: { authorization: `Bearer ${access_token}` } });
      expect(await res.json()).toEqual([{ 'e.day_date': '2024-01-01', 'e.total': 1 }]);
    } finally {
      await emu.close();
    }
  });
});

describe('timeframe buckets', () => {
  const at = (iso: string) => Date.parse(iso);
  it.each([
    ['day', '2024-02-29T23:59:59Z', '2024-02-29'],
    ['week', '2024-01-07T12:00:00Z', '2024-01-01'],
    ['week', '2024-01-08T00:00:00Z', '2024-01-08'],
    ['month', '2024-12-31T23:00:00Z', '2024-12'],
    ['quarter', '2024-05-15T00:00:00Z', '2024-Q2'],
    ['year', '2024-05-15T00:00:00Z', 2024],
    ['time', '2024-05-15T13:45:10Z', '2024-05-15 13:00:00'],
  ] as const)('%s of %s is %s', (tf, iso, expected) => {
    expect(formatBucket(tf, bucketStart(tf, bucketOf(tf, at(iso))))).toEqual(expected);
  });

  it('steps sub-hourly date_time buckets', () => {
    expect(formatBucket('time', bucketStart('time', bucketOf('time', at('2024-05-15T13:47:00Z'), 15), 15))).toBe('2024-05-15 13:45:00');
  });
});

describe('fields parameter', () => {
  it('parses nested selections and filters objects and arrays', () => {
    const selection = parseFieldSelection('id, folder(id,name), query(fields)');
    const value = [{ id: '1', title: 'x', folder: { id: '2', name: 'F', parent_id: null }, query: { fields: ['a'], limit: '5' } }];
    expect(selectFields(value, selection)).toEqual([{ id: '1', folder: { id: '2', name: 'F' }, query: { fields: ['a'] } }]);
    expect(selectFields(value, parseFieldSelection(''))).toBe(value);
    expect(selectFields({ id: 1 }, parseFieldSelection('nope'))).toEqual({});
  });
});
