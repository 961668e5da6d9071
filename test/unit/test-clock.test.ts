import { describe, expect, it } from 'vitest';
import { dstWeekStart, importTimeAhead, resolveStartOffset } from '../helpers/test-clock';

const at = (iso: string) => Date.parse(iso);

describe('the test clock (TEST_START_AT)', () => {
  it('runs on the real clock when no start is given', () => {
    expect(resolveStartOffset(undefined, at('2026-12-01T13:02:00Z'))).toBe(0);
    expect(resolveStartOffset('  ', at('2026-12-01T13:02:00Z'))).toBe(0);
  });

  it.each([
    ['later today', '2026-12-01T13:02:00Z', '23:59', '2026-12-01T23:59:00Z'],
    ['already passed today: tomorrow', '2026-12-01T13:02:00Z', '04:59', '2026-12-02T04:59:00Z'],
    ['exactly now: tomorrow, never the past', '2026-12-01T13:00:00Z', '13:00', '2026-12-02T13:00:00Z'],
    ['across a month and year end', '2026-12-31T23:59:30Z', '00:00', '2027-01-01T00:00:00Z'],
    ['on a leap day', '2028-02-28T12:00:00Z', '11:00', '2028-02-29T11:00:00Z'],
  ])('takes HH:MM as the next such UTC time (%s)', (_case, now, spec, start) => {
    expect(at(now) + resolveStartOffset(spec, at(now))).toBe(at(start));
  });

  it('takes a future ISO instant as it is', () => {
    expect(resolveStartOffset('2027-03-27T23:59:00Z', at('2026-12-01T13:02:00Z'))).toBe(at('2027-03-27T23:59:00Z') - at('2026-12-01T13:02:00Z'));
  });

  it.each([
    ['an instant in the past', '2026-01-01T00:00:00Z', /is in the past; Temporal's test server only moves forward/],
    ['an hour that does not exist', '24:00', /neither HH:MM \(UTC\) nor an ISO instant/],
    ['a date without a time', '2027-03-27', /neither HH:MM \(UTC\) nor an ISO instant/],
    ['words', 'tomorrow', /neither HH:MM \(UTC\) nor an ISO instant/],
  ])('refuses %s, naming TEST_START_AT', (_case, spec, message) => {
    expect(() => resolveStartOffset(spec, at('2026-12-01T13:02:00Z'))).toThrow(/^TEST_START_AT: /);
    expect(() => resolveStartOffset(spec, at('2026-12-01T13:02:00Z'))).toThrow(message);
  });

  it('chooses import times hours ahead in the zone asked for, across midnight and DST', () => {
    expect(importTimeAhead(at('2026-12-01T13:02:00Z'), 'UTC')).toBe('01:02');
    expect(importTimeAhead(at('2026-12-01T13:02:00Z'), 'Europe/Berlin')).toBe('02:02');
    // Twelve hours after 20:30 UTC on the night Berlin moves to summer time: 10:30 CEST.
    expect(importTimeAhead(at('2027-03-27T20:30:00Z'), 'Europe/Berlin')).toBe('10:30');
    expect(importTimeAhead(at('2026-12-01T13:02:00Z'), 'Asia/Kolkata', 3)).toBe('21:32');
  });

  it('picks the Saturday night before the next EU clock change for the DST run', () => {
    expect(dstWeekStart(at('2026-12-01T13:02:00Z'))).toBe('2027-03-27T23:59:00Z');
    expect(dstWeekStart(at('2027-04-01T00:00:00Z'))).toBe('2027-10-30T23:59:00Z');
    expect(dstWeekStart(at('2027-10-31T12:00:00Z'))).toBe('2028-03-25T23:59:00Z');
  });
});
