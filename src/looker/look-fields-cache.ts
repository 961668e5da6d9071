import type { LookFieldsCache } from './client';
import type { LookerFieldMeta } from './parse-look-result';

/** How long a Look's fields are reused: a burst of creates on one Look costs one metadata query. */
export const lookFieldsTtlMs = 60_000;
/** Most Looks remembered per integration; the oldest entry goes first. */
const maxEntries = 500;

/**
 * A Look's field metadata for one integration binding (endpoint and client id), reused for a
 * minute. Concurrent callers join one query; a failure is not remembered, so the next caller asks
 * Looker again. A Look edited in Looker shows its new fields at the latest a minute later.
 */
export function createLookFieldsCache(options: { ttlMs?: number; now?: () => number } = {}): LookFieldsCache {
  const ttlMs = options.ttlMs ?? lookFieldsTtlMs;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { fields: Promise<LookerFieldMeta[]>; expiresAt: number }>();
  return {
    get(lookId, load) {
      const entry = entries.get(lookId);
      if (entry && entry.expiresAt > now()) return entry.fields;
      entries.delete(lookId);
      const fields = load();
      entries.set(lookId, { fields, expiresAt: now() + ttlMs });
      fields.catch(() => {
        if (entries.get(lookId)?.fields === fields) entries.delete(lookId);
      });
      // Map order is insertion order: the first key is the oldest entry.
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
      return fields;
    },
  };
}
