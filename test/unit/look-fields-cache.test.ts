import { describe, expect, it } from 'vitest';
import { createLookFieldsCache } from '../../src/looker/look-fields-cache';
import type { LookerFieldMeta } from '../../src/looker/parse-look-result';

const fields = (name: string): LookerFieldMeta[] => [{ name, type: 'date', category: 'dimension' }];

describe('the Look fields cache', () => {
  it('joins concurrent callers into one query and reuses its answer until the TTL ends', async () => {
    let now = 0;
    const cache = createLookFieldsCache({ ttlMs: 60_000, now: () => now });
    let queries = 0;
    const load = () => {
      queries++;
      return Promise.resolve(fields(`f${queries}`));
    };
    const together = await Promise.all([cache.get('1', load), cache.get('1', load), cache.get('1', load)]);
    expect(queries).toBe(1);
    expect(together.map((answer) => answer[0]!.name)).toEqual(['f1', 'f1', 'f1']);
    now = 59_999;
    expect((await cache.get('1', load))[0]!.name).toBe('f1');
    now = 60_000;
    expect((await cache.get('1', load))[0]!.name).toBe('f2');
    // Another Look is another entry.
    expect((await cache.get('2', load))[0]!.name).toBe('f3');
    expect(queries).toBe(3);
  });

  it('does not remember a failure: the next caller asks Looker again', async () => {
    const cache = createLookFieldsCache({ now: () => 0 });
    await expect(cache.get('1', () => Promise.reject(new Error('Looker is unavailable')))).rejects.toThrow('Looker is unavailable');
    expect(await cache.get('1', () => Promise.resolve(fields('ok')))).toEqual(fields('ok'));
  });
});
