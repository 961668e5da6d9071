// When a full import (backfill, config change, or an import that owes the replacement) may replace
// the stored series. Workflow-safe: no imports. Rules in docs/workflow.md ("Replace").

/** What a Look run reported, as far as the replace decision needs it. */
export interface LookRunSummary {
  /** The Look the run read (absent in results recorded before it was reported). */
  lookId?: string;
  rowsRead: number;
  datapoints: number;
  skipped: number;
  /** Skipped rows by reason (absent in results recorded before it was reported). */
  skipReasons?: Partial<Record<string, number>>;
  possiblyTruncated: boolean;
}

export type ReplaceVerdict =
  /** A whole, usable result: stored dates it does not contain are deleted; the debt is paid. */
  | { kind: 'replace' }
  /** Possibly cut off by the row limit: its rows are merged, nothing is deleted, the debt stays. */
  | { kind: 'merge-only' }
  /** Empty, or mostly unusable: nothing is stored or deleted, the debt stays, the import fails. */
  | { kind: 'refuse'; reason: string };

/**
 * Whether a full import's result says which dates exist. An empty result, or one where more rows
 * were unreadable (no usable date, or a value that is not a number) than kept, does not: deleting by
 * it could wipe the series, and keeping the old source's values under a new config would hide that
 * nothing was imported, so the import fails with the reason. Rows with an empty value are not
 * unreadable: the Look says that date has no value. A result cut off at the row limit holds good
 * rows but not all dates: merge only.
 */
export function replaceVerdict(result: LookRunSummary): ReplaceVerdict {
  const look = result.lookId === undefined ? 'The Look' : `Look ${result.lookId}`;
  const kept = 'The stored datapoints were kept; the next import that returns usable rows replaces them.';
  if (result.datapoints === 0) {
    return { kind: 'refuse', reason: `${look} returned no usable rows (${result.rowsRead} read, ${result.skipped} skipped). ${kept}` };
  }
  const unreadable = result.skipped - (result.skipReasons?.null_value ?? 0);
  if (unreadable > result.datapoints) {
    return {
      kind: 'refuse',
      reason: `${look}: ${unreadable} of ${result.rowsRead} rows were skipped as unreadable (no usable date, or a value that is not a number), so the result cannot replace the series. Check the date and value fields. ${kept}`,
    };
  }
  if (result.possiblyTruncated) return { kind: 'merge-only' };
  return { kind: 'replace' };
}
