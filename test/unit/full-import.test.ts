import { describe, expect, it } from 'vitest';
import { replaceVerdict, type LookRunSummary } from '../../src/shared/full-import';

const whole: LookRunSummary = { lookId: '7', rowsRead: 10, datapoints: 10, skipped: 0, skipReasons: {}, possiblyTruncated: false };

/** Issue 13, finding 2: when a full import may replace the stored series. */
describe('replaceVerdict', () => {
  it('replaces on a whole, usable result', () => {
    expect(replaceVerdict(whole)).toEqual({ kind: 'replace' });
  });

  it('replaces when rows were skipped for an empty value: the Look says those dates have none', () => {
    expect(replaceVerdict({ ...whole, datapoints: 2, skipped: 8, skipReasons: { null_value: 8 } })).toEqual({ kind: 'replace' });
  });

  it('merges only, deleting nothing, when the result may be cut off at the row limit', () => {
    expect(replaceVerdict({ ...whole, possiblyTruncated: true })).toEqual({ kind: 'merge-only' });
  });

  it('refuses an empty result and says why, naming the Look', () => {
    const verdict = replaceVerdict({ ...whole, rowsRead: 0, datapoints: 0 });
    expect(verdict).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/^Look 7 returned no usable rows \(0 read, 0 skipped\)\. The stored datapoints were kept/) as unknown });
  });

  it('refuses an empty result even when it was cut off', () => {
    expect(replaceVerdict({ ...whole, datapoints: 0, skipped: 10, skipReasons: { null_value: 10 }, possiblyTruncated: true }).kind).toBe('refuse');
  });

  it('refuses a result with more unreadable rows than datapoints', () => {
    const verdict = replaceVerdict({ ...whole, datapoints: 4, skipped: 6, skipReasons: { not_a_number: 3, unparseable_date: 3 } });
    expect(verdict).toMatchObject({ kind: 'refuse', reason: expect.stringContaining('6 of 10 rows were skipped as unreadable') as unknown });
  });

  it('counts every skip as unreadable in a result recorded without reasons', () => {
    expect(replaceVerdict({ lookId: '7', rowsRead: 10, datapoints: 4, skipped: 6, possiblyTruncated: false }).kind).toBe('refuse');
  });
});
