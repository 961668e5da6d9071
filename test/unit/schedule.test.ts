import { afterEach, describe, expect, it } from 'vitest';
import {
  canonicalTimeZone,
  isValidTimeZone,
  localDateOf,
  nextImportAt,
  parseImportTime,
  type ImportSchedule,
} from '../../src/shared/schedule';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();
const next = (afterIso: string, importTime: string, timeZone: string): string =>
  iso(nextImportAt(at(afterIso), { importTime, timeZone }));

describe('parseImportTime', () => {
  it.each([
    ['00:00', { hour: 0, minute: 0 }],
    ['06:00', { hour: 6, minute: 0 }],
    ['12:30', { hour: 12, minute: 30 }],
    ['23:59', { hour: 23, minute: 59 }],
  ])('accepts %s', (input, expected) => {
    expect(parseImportTime(input)).toEqual(expected);
  });

  it.each(['24:00', '25:00', '6:00', '06:60', '0600', ' 06:00', '06:00 ', '06:00\n', '06:00:00', '06.00', '6:0', '', 'ab:cd', '-1:00'])(
    'rejects %j',
    (input) => {
      expect(parseImportTime(input)).toBeUndefined();
    },
  );
});

describe('time zone names', () => {
  it.each([
    ['UTC', 'UTC'],
    ['utc', 'UTC'],
    ['Europe/Berlin', 'Europe/Berlin'],
    ['europe/berlin', 'Europe/Berlin'],
    ['AMERICA/NEW_YORK', 'America/New_York'],
    ['america/port-au-prince', 'America/Port-au-Prince'],
    ['Etc/GMT+5', 'Etc/GMT+5'],
    // Aliases keep the caller's spelling instead of ICU's outdated primary names.
    ['Etc/UTC', 'Etc/UTC'],
    ['Asia/Kolkata', 'Asia/Kolkata'],
    ['Europe/Kyiv', 'Europe/Kyiv'],
    ['US/Eastern', 'US/Eastern'],
  ])('%s is valid, stored as %s', (input, canonical) => {
    expect(isValidTimeZone(input)).toBe(true);
    expect(canonicalTimeZone(input)).toBe(canonical);
  });

  it.each(['', 'Mars/Olympus', '+02:00', '-05:00', 'GMT+5', ' Europe/Berlin', 'Europe/Berlin ', 'Z', 'Europe//Berlin'])(
    'rejects %j',
    (input) => {
      expect(isValidTimeZone(input)).toBe(false);
      expect(canonicalTimeZone(input)).toBeUndefined();
    },
  );
});

describe('nextImportAt', () => {
  // [case, after (UTC), importTime, zone, expected (UTC)]
  const cases: [string, string, string, string, string][] = [
    ['UTC, later today', '2026-05-01T00:00:00Z', '06:00', 'UTC', '2026-05-01T06:00:00.000Z'],
    ['UTC, already passed today', '2026-05-01T07:00:00Z', '06:00', 'UTC', '2026-05-02T06:00:00.000Z'],
    ['UTC, exactly at an import instant → next day', '2026-05-01T06:00:00Z', '06:00', 'UTC', '2026-05-02T06:00:00.000Z'],
    ['UTC, 1 ms before an import instant', '2026-05-01T05:59:59.999Z', '06:00', 'UTC', '2026-05-01T06:00:00.000Z'],
    ['UTC, 00:00', '2026-05-01T00:00:00Z', '00:00', 'UTC', '2026-05-02T00:00:00.000Z'],

    // Europe/Berlin 06:00 across the spring change (2026-03-29, 02:00 CET → 03:00 CEST).
    ['Berlin spring, day before (CET)', '2026-03-27T12:00:00Z', '06:00', 'Europe/Berlin', '2026-03-28T05:00:00.000Z'],
    ['Berlin spring, change day (CEST)', '2026-03-28T12:00:00Z', '06:00', 'Europe/Berlin', '2026-03-29T04:00:00.000Z'],
    ['Berlin spring, day after (CEST)', '2026-03-29T12:00:00Z', '06:00', 'Europe/Berlin', '2026-03-30T04:00:00.000Z'],
    // Europe/Berlin 06:00 across the autumn change (2026-10-25, 03:00 CEST → 02:00 CET).
    ['Berlin autumn, day before (CEST)', '2026-10-23T12:00:00Z', '06:00', 'Europe/Berlin', '2026-10-24T04:00:00.000Z'],
    ['Berlin autumn, change day (CET)', '2026-10-24T12:00:00Z', '06:00', 'Europe/Berlin', '2026-10-25T05:00:00.000Z'],
    ['Berlin autumn, day after (CET)', '2026-10-25T12:00:00Z', '06:00', 'Europe/Berlin', '2026-10-26T05:00:00.000Z'],

    // 02:30 does not exist in Berlin on 2026-03-29: it moves forward by the 1 h gap to 03:30 CEST.
    ['Berlin gap, day before', '2026-03-27T12:00:00Z', '02:30', 'Europe/Berlin', '2026-03-28T01:30:00.000Z'],
    ['Berlin gap → 03:30 CEST', '2026-03-28T12:00:00Z', '02:30', 'Europe/Berlin', '2026-03-29T01:30:00.000Z'],
    ['Berlin gap, after the change but before 03:30', '2026-03-29T01:15:00Z', '02:30', 'Europe/Berlin', '2026-03-29T01:30:00.000Z'],
    ['Berlin gap, day after', '2026-03-29T12:00:00Z', '02:30', 'Europe/Berlin', '2026-03-30T00:30:00.000Z'],
    // Nuuk's spring gap ends the day (2026-03-28 23:00 -02 → 2026-03-29 00:00 -01): 23:30 runs at
    // 22:59 on the 28th (the day's last minute), not at 00:30 on the 29th, which has its own 23:30.
    ['Nuuk gap at midnight, day before', '2026-03-27T12:00:00Z', '23:30', 'America/Nuuk', '2026-03-28T01:30:00.000Z'],
    ['Nuuk gap at midnight → 22:59 the same day', '2026-03-28T12:00:00Z', '23:30', 'America/Nuuk', '2026-03-29T00:59:00.000Z'],
    ['Nuuk gap at midnight, next day', '2026-03-29T00:59:00Z', '23:30', 'America/Nuuk', '2026-03-30T00:30:00.000Z'],
    // 02:30 happens twice in Berlin on 2026-10-25: the first (CEST, 00:30Z) is taken, the second never.
    ['Berlin ambiguous → first occurrence', '2026-10-24T12:00:00Z', '02:30', 'Europe/Berlin', '2026-10-25T00:30:00.000Z'],
    ['Berlin ambiguous, second occurrence skipped', '2026-10-25T00:30:00Z', '02:30', 'Europe/Berlin', '2026-10-26T01:30:00.000Z'],
    ['Berlin ambiguous, between occurrences', '2026-10-25T01:00:00Z', '02:30', 'Europe/Berlin', '2026-10-26T01:30:00.000Z'],

    // America/New_York: DST from 2026-03-08 02:00, back on 2026-11-01 02:00.
    ['New York, EST', '2026-03-06T20:00:00Z', '09:00', 'America/New_York', '2026-03-07T14:00:00.000Z'],
    ['New York, change day (EDT)', '2026-03-07T20:00:00Z', '09:00', 'America/New_York', '2026-03-08T13:00:00.000Z'],
    ['New York, gap 02:30 → 03:30 EDT', '2026-03-07T20:00:00Z', '02:30', 'America/New_York', '2026-03-08T07:30:00.000Z'],
    ['New York, ambiguous 01:30 → EDT', '2026-10-31T20:00:00Z', '01:30', 'America/New_York', '2026-11-01T05:30:00.000Z'],
    ['New York, back to EST', '2026-11-01T20:00:00Z', '09:00', 'America/New_York', '2026-11-02T14:00:00.000Z'],

    // Australia/Lord_Howe shifts by only 30 minutes: +11:00 in summer, +10:30 in winter.
    ['Lord Howe, +11:00', '2026-04-02T20:00:00Z', '06:00', 'Australia/Lord_Howe', '2026-04-03T19:00:00.000Z'],
    ['Lord Howe, +10:30 from 2026-04-05', '2026-04-03T20:00:00Z', '06:00', 'Australia/Lord_Howe', '2026-04-04T19:30:00.000Z'],
    ['Lord Howe, ambiguous 01:45 → +11:00', '2026-04-04T00:00:00Z', '01:45', 'Australia/Lord_Howe', '2026-04-04T14:45:00.000Z'],
    ['Lord Howe, gap 02:15 → 02:45 (+11:00)', '2026-10-03T00:00:00Z', '02:15', 'Australia/Lord_Howe', '2026-10-03T15:45:00.000Z'],

    // Fractional offsets.
    ['Kolkata +05:30, same UTC day', '2026-01-01T00:00:00Z', '06:00', 'Asia/Kolkata', '2026-01-01T00:30:00.000Z'],
    ['Kolkata +05:30, previous UTC day', '2026-01-01T00:00:00Z', '05:00', 'Asia/Kolkata', '2026-01-01T23:30:00.000Z'],
    ['Chatham +13:45 (summer)', '2026-01-14T00:00:00Z', '06:00', 'Pacific/Chatham', '2026-01-14T16:15:00.000Z'],
    ['Chatham +12:45 (winter)', '2026-07-14T00:00:00Z', '06:00', 'Pacific/Chatham', '2026-07-14T17:15:00.000Z'],

    // Leap day and year end.
    ['leap day, UTC', '2028-02-28T07:00:00Z', '06:00', 'UTC', '2028-02-29T06:00:00.000Z'],
    ['day after leap day, UTC', '2028-02-29T06:00:00Z', '06:00', 'UTC', '2028-03-01T06:00:00.000Z'],
    ['leap day, Berlin', '2028-02-28T12:00:00Z', '06:00', 'Europe/Berlin', '2028-02-29T05:00:00.000Z'],
    ['year end, UTC 23:59', '2026-12-31T23:59:00Z', '23:59', 'UTC', '2027-01-01T23:59:00.000Z'],
    ['year end, Berlin already in the new year', '2026-12-31T23:00:00Z', '00:30', 'Europe/Berlin', '2026-12-31T23:30:00.000Z'],
    ['year end, Kolkata', '2026-12-31T20:00:00Z', '06:00', 'Asia/Kolkata', '2027-01-01T00:30:00.000Z'],
    // Samoa skipped 2011-12-30 entirely; that day's 06:00 moves forward 24 h onto 12-31 06:00 (+14:00).
    ['skipped calendar day (Pacific/Apia 2011)', '2011-12-29T18:00:00Z', '06:00', 'Pacific/Apia', '2011-12-30T16:00:00.000Z'],
  ];

  it.each(cases)('%s', (_name, after, importTime, timeZone, expected) => {
    expect(next(after, importTime, timeZone)).toBe(expected);
  });

  it('accepts any spelling of the zone that Intl accepts', () => {
    expect(next('2026-03-28T12:00:00Z', '06:00', 'europe/berlin')).toBe('2026-03-29T04:00:00.000Z');
  });

  it.each<[string, ImportSchedule]>([
    ['bad time', { importTime: '24:00', timeZone: 'UTC' }],
    ['bad zone', { importTime: '06:00', timeZone: 'Mars/Olympus' }],
    ['offset zone', { importTime: '06:00', timeZone: '+02:00' }],
  ])('throws a RangeError naming the problem: %s', (_name, schedule) => {
    expect(() => nextImportAt(0, schedule)).toThrow(RangeError);
  });

  it('rejects a non-finite afterMs', () => {
    expect(() => nextImportAt(Number.NaN, { importTime: '06:00', timeZone: 'UTC' })).toThrow(/afterMs/);
  });

  // Chaining imports through a whole year must hit every local date exactly once, DST days included.
  it.each([
    ['Europe/Berlin', '02:30'],
    ['America/New_York', '01:30'],
    ['America/Santiago', '00:30'],
    ['Australia/Lord_Howe', '02:15'],
    ['Pacific/Chatham', '02:45'],
    ['Asia/Kolkata', '06:00'],
    // The spring gap ends the day (23:00 → 00:00 on 2026-03-28): 23:30 must not slip into the 29th.
    ['America/Nuuk', '23:30'],
  ])('%s %s: one import per local day through 2026', (timeZone, importTime) => {
    const schedule = { importTime, timeZone };
    let cursor = at('2026-01-01T02:00:00Z'); // so that in every zone listed the 366 imports reach 2026-12-31
    const dates: string[] = [];
    while (dates.length < 366) {
      cursor = nextImportAt(cursor, schedule);
      dates.push(localDateOf(cursor, timeZone));
    }
    const first = at(`${dates[0]}T00:00:00Z`);
    const consecutive = Array.from({ length: 366 }, (_, i) => iso(first + i * 86_400_000).slice(0, 10));
    expect(dates).toEqual(consecutive);
    expect(dates[365]! >= '2026-12-31').toBe(true);
  });
});

describe('localDateOf', () => {
  it.each([
    ['2026-03-28T23:30:00Z', 'Europe/Berlin', '2026-03-29'],
    ['2026-03-28T22:59:59Z', 'Europe/Berlin', '2026-03-28'],
    ['2026-01-01T00:00:00Z', 'America/New_York', '2025-12-31'],
    ['2026-12-31T18:30:00Z', 'Asia/Kolkata', '2027-01-01'],
    ['2026-12-31T18:29:59Z', 'Asia/Kolkata', '2026-12-31'],
    ['2028-02-29T12:00:00Z', 'UTC', '2028-02-29'],
    ['2026-07-14T11:15:00Z', 'Pacific/Chatham', '2026-07-15'],
  ])('%s in %s is %s', (instant, timeZone, expected) => {
    expect(localDateOf(at(instant), timeZone)).toBe(expected);
  });

  it('throws on an unknown zone', () => {
    expect(() => localDateOf(0, 'Mars/Olympus')).toThrow(/unknown time zone "Mars\/Olympus"/);
  });
});

describe('independence from the process time zone', () => {
  const originalTz = process.env.TZ;
  afterEach(() => {
    if (originalTz === undefined) delete process.env.TZ;
    else process.env.TZ = originalTz;
  });

  it.each(['Pacific/Chatham', 'America/Los_Angeles', 'UTC'])('gives the same results with TZ=%s', (tz) => {
    process.env.TZ = tz;
    expect(next('2026-03-28T12:00:00Z', '02:30', 'Europe/Berlin')).toBe('2026-03-29T01:30:00.000Z');
    expect(next('2026-10-24T12:00:00Z', '02:30', 'Europe/Berlin')).toBe('2026-10-25T00:30:00.000Z');
    expect(localDateOf(at('2026-12-31T18:30:00Z'), 'Asia/Kolkata')).toBe('2027-01-01');
  });
});
