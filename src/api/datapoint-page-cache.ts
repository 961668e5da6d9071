import type { DatapointPageJson } from '../db/repositories/datapoint-page-json';

/**
 * Datapoint pages as served recently, per metric and query, valid while the metric row's
 * `updatedAt` is the one they were read under. Every import that changes datapoints records its
 * outcome on the metric (`recordImportRunFinish` sets `updatedAt`) right after its merge, so a page
 * is read again once the import is recorded; in between (the milliseconds from the merge's commit
 * to that record) a read may still show the datapoints before the import, as the metric's
 * `lastImport` says. A dashboard polling one series then costs one small metric lookup per read
 * instead of serialising thousands of rows (docs/benchmarks.md, "API reads").
 * Bounded by the pages' total size; the least recently used go first.
 */
export interface DatapointPageCache {
  page(key: { metricId: string; version: number; query: string }, read: () => Promise<DatapointPageJson>): Promise<DatapointPageJson>;
}

/** Total characters of the pages kept per API process (about as many bytes: dates and decimals are ASCII). */
export const datapointPageCacheChars = 32 * 1024 * 1024;

export function createDatapointPageCache(options: { maxChars?: number } = {}): DatapointPageCache {
  const maxChars = options.maxChars ?? datapointPageCacheChars;
  // Map order is use order: a hit moves its entry to the end, so the first is the least recently used.
  const pages = new Map<string, { version: number; page: DatapointPageJson }>();
  let chars = 0;
  const forget = (key: string) => {
    const entry = pages.get(key);
    if (!entry) return;
    pages.delete(key);
    chars -= entry.page.items.length;
  };

  return {
    async page({ metricId, version, query }, read) {
      const key = `${metricId} ${query}`;
      const known = pages.get(key);
      if (known?.version === version) {
        pages.delete(key);
        pages.set(key, known);
        return known.page;
      }
      const page = await read();
      // A larger version may have been stored meanwhile by a request that read after a newer import.
      if ((pages.get(key)?.version ?? -Infinity) > version || page.items.length > maxChars / 8) return page;
      forget(key);
      pages.set(key, { version, page });
      chars += page.items.length;
      for (const oldest of pages.keys()) {
        if (chars <= maxChars) break;
        forget(oldest);
      }
      return page;
    },
  };
}
