import { ratio, summarise, type Samples } from './stats';

/** One line of the results table: our path against one baseline, measured in the same run. */
export interface Comparison {
  benchmark: string;
  ours: Samples;
  baselineLabel: string;
  baseline: Samples;
  /**
   * `speedup`: baseline time ÷ our time ("3.0× faster"). `cost`: our time ÷ baseline time
   * ("1.4× the baseline"), for work that adds to the baseline rather than replacing it.
   */
  kind: 'speedup' | 'cost';
}

export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1_000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}

function timing(samples: Samples): string {
  const summary = summarise(samples.ms);
  return `${formatMs(summary.median)} ±${summary.spreadPct.toFixed(0)}%`;
}

function ratioText(comparison: Comparison): string {
  const { median, low, high } =
    comparison.kind === 'speedup' ? ratio(comparison.baseline.ms, comparison.ours.ms) : ratio(comparison.ours.ms, comparison.baseline.ms);
  const digits = median >= 10 ? 0 : 2;
  const range = `(${low.toFixed(digits)}–${high.toFixed(digits)})`;
  return comparison.kind === 'speedup' ? `${median.toFixed(digits)}× faster ${range}` : `${median.toFixed(digits)}× baseline ${range}`;
}

function wal(samples: Samples): string {
  if (!samples.walBytes || samples.walBytes.length === 0) return '';
  const mb = summarise(samples.walBytes).median / 1_000_000;
  return mb >= 10 ? mb.toFixed(0) : mb.toFixed(1);
}

/** A fixed-width table; the WAL column appears only when some line measured it. */
export function renderTable(comparisons: readonly Comparison[]): string {
  const withWal = comparisons.some((c) => (c.ours.walBytes?.length ?? 0) > 0);
  const header = ['Benchmark', 'Ours', 'Baseline', 'Baseline time', 'Ratio', ...(withWal ? ['WAL MB ours/base'] : [])];
  const rows = comparisons.map((c) => [
    c.benchmark,
    timing(c.ours),
    c.baselineLabel,
    timing(c.baseline),
    ratioText(c),
    ...(withWal ? [c.ours.walBytes?.length ? `${wal(c.ours)} / ${wal(c.baseline)}` : ''] : []),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
