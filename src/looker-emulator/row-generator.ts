import type { SeedFormula, SeedGenerator } from './seed-schema';
import { bucketOf, bucketStart, formatBucket, resolveEnd } from './timeframes';
import type { CellValue, Row, Timeframe } from './types';

/** Random access to rows, so 100k-row Looks are produced while serializing, never held in memory. */
export interface RowSet {
  readonly size: number;
  at(index: number): Row;
}

/** Fixed origin for formulas, so a date's value never depends on "today" or on the Look's length. */
const FORMULA_ORIGIN_MS = Date.UTC(2020, 0, 1);

/** Deterministic noise in [-1, 1] from an integer (a hash, not randomness: same input, same output). */
function noise(n: number): number {
  let x = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  x ^= x >>> 16;
  return ((x >>> 0) / 0xffffffff) * 2 - 1;
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h;
}

function evaluate(f: SeedFormula, t: number, salt: number, weight: number): CellValue {
  const nullEvery = f.nullEvery;
  if (nullEvery !== undefined && ((t % nullEvery) + nullEvery) % nullEvery === 0) return null;
  let v = f.base + (f.trend ?? 0) * t;
  for (const w of f.waves ?? []) v += w.amplitude * Math.sin((2 * Math.PI * (t + (w.phase ?? 0))) / w.period);
  if (f.jitter) v += f.jitter * noise(t * 31 + salt);
  v *= weight;
  if (f.min !== undefined) v = Math.max(f.min, v);
  const decimals = f.decimals ?? 0;
  const rounded = Number(v.toFixed(decimals));
  return f.asString ? rounded.toFixed(decimals) : rounded;
}

/** Rows of a generator in ascending date order; each period has one row per split value. */
export function generatedRows(gen: SeedGenerator, tf: Timeframe, now: Date): RowSet {
  const step = gen.stepMinutes ?? 60;
  const lastBucket = bucketOf(tf, resolveEnd(gen.end, now), step);
  const firstBucket = lastBucket - gen.periods + 1;
  const originBucket = bucketOf(tf, FORMULA_ORIGIN_MS, step);
  const splitValues = gen.split?.values ?? [null];
  const weights = gen.split?.weights ?? splitValues.map(() => 1);
  const measures = Object.entries(gen.measures).map(([name, f]) => ({ name, f, salt: hashString(name) }));
  return {
    size: gen.periods * splitValues.length,
    at(index: number): Row {
      const period = Math.floor(index / splitValues.length);
      const s = index % splitValues.length;
      const bucket = firstBucket + period;
      const t = bucket - originBucket;
      const row: Row = { [gen.dateField]: formatBucket(tf, bucketStart(tf, bucket, step)) };
      if (gen.split) row[gen.split.field] = splitValues[s] ?? null;
      for (const m of measures) row[m.name] = evaluate(m.f, t, m.salt + s * 7919, weights[s] ?? 1);
      return row;
    },
  };
}

export function arrayRows(rows: readonly Row[]): RowSet {
  return { size: rows.length, at: (i) => rows[i] ?? {} };
}

export function concatRows(sets: readonly RowSet[]): RowSet {
  const size = sets.reduce((n, s) => n + s.size, 0);
  return {
    size,
    at(index: number): Row {
      let i = index;
      for (const set of sets) {
        if (i < set.size) return set.at(i);
        i -= set.size;
      }
      return {};
    },
  };
}
