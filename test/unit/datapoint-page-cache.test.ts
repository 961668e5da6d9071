import { describe, expect, it } from 'vitest';
import { createDatapointPageCache } from '../../src/api/datapoint-page-cache';

const page = (items: string) => ({ items, nextAfter: null });

describe('datapoint page cache', () => {
  it('serves a page again while the metric version is the same, and reads it afresh once the version changes', async () => {
    const cache = createDatapointPageCache();
    let reads = 0;
    const read = (items: string) => () => {
      reads++;
      return Promise.resolve(page(items));
    };
    const key = { metricId: 'm1', version: 1, query: 'q' };
    expect(await cache.page(key, read('a'))).toEqual(page('a'));
    expect(await cache.page(key, read('b'))).toEqual(page('a'));
    expect(reads).toBe(1);
    // An import was recorded on the metric: version 2.
    expect(await cache.page({ ...key, version: 2 }, read('c'))).toEqual(page('c'));
    expect(await cache.page({ ...key, version: 2 }, read('d'))).toEqual(page('c'));
    // A request that read the metric before that import does not replace the newer page.
    expect(await cache.page({ ...key, version: 1 }, read('e'))).toEqual(page('e'));
    expect(await cache.page({ ...key, version: 2 }, read('f'))).toEqual(page('c'));
    // Another query, another metric: pages of their own.
    expect(await cache.page({ ...key, query: 'other' }, read('g'))).toEqual(page('g'));
    expect(await cache.page({ ...key, metricId: 'm2' }, read('h'))).toEqual(page('h'));
  });

  it('keeps at most its size in pages, dropping the least recently used first', async () => {
    const cache = createDatapointPageCache({ maxChars: 80 });
    let reads = 0;
    const get = (metricId: string) =>
      cache.page({ metricId, version: 1, query: 'q' }, () => {
        reads++;
        return Promise.resolve(page('x'.repeat(10)));
      });
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) await get(id);
    expect(reads).toBe(8);
    await get('a'); // used: now the most recent
    await get('i'); // 90 characters: the least recently used, b, goes
    expect(reads).toBe(9);
    await get('a');
    expect(reads).toBe(9);
    await get('b');
    expect(reads).toBe(10);
  });

  it('does not keep a page larger than an eighth of its size', async () => {
    const cache = createDatapointPageCache({ maxChars: 80 });
    let reads = 0;
    const get = () =>
      cache.page({ metricId: 'm', version: 1, query: 'q' }, () => {
        reads++;
        return Promise.resolve(page('x'.repeat(11)));
      });
    await get();
    await get();
    expect(reads).toBe(2);
  });
});
