/** Timings of one method, one value per repetition, in repetition order (so runs can be paired). */
export interface Samples {
  /** Milliseconds per repetition (already scaled, for methods measured on a smaller N). */
  ms: number[];
  /** Optional side measurement per repetition, e.g. WAL bytes written. */
  walBytes?: number[];
}

export interface Summary {
  median: number;
  min: number;
  max: number;
  /** Half the min–max range relative to the median, in percent. */
  spreadPct: number;
  n: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarise(values: readonly number[]): Summary {
  const med = median(values);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { median: med, min, max, spreadPct: med === 0 ? 0 : ((max - min) / 2 / med) * 100, n: values.length };
}

/**
 * numerator ÷ denominator of the medians, plus the range of the per-repetition ratios (repetition i
 * of one method against repetition i of the other: they ran back to back, so drift cancels out).
 */
export function ratio(numerator: readonly number[], denominator: readonly number[]): { median: number; low: number; high: number } {
  const pairs = numerator.slice(0, denominator.length).map((value, i) => value / denominator[i]!);
  return { median: median(numerator) / median(denominator), low: Math.min(...pairs), high: Math.max(...pairs) };
}

/** Times one call of `fn` in milliseconds. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; result: T }> {
  const start = performance.now();
  const result = await fn();
  return { ms: performance.now() - start, result };
}
