/**
 * The suite's only way to read "now". Tests never decide what they expect from the wall clock's
 * hour or date; they read the clock here and choose import times and skips relative to it.
 *
 * `TEST_START_AT` runs the suite as if it started at another time (docs/testing.md):
 *   - `HH:MM` — the next occurrence of that UTC time of day (e.g. `23:59`, `04:59`);
 *   - an ISO instant in the future — e.g. `2027-03-26T23:59:00Z`, a night in a DST change week.
 * Temporal servers only move forward, so a start in the past is refused. The offset it yields
 * (start − real now, measured once by the global setup) is honoured by every time-skipping
 * environment (skipped forward by it at creation) and by every Looker emulator the tests start
 * (its "today"). The dev server is a Go binary on the kernel's clock and cannot be shifted: tests on
 * it read `devServerNow()` and only ever choose times relative to it.
 */

import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    testClockOffsetMs: number;
  }
}

const timeOfDay = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Milliseconds between the real clock and the start `spec` asks for (0 without one). */
export function resolveStartOffset(spec: string | undefined, realNowMs: number): number {
  if (spec === undefined || spec.trim() === '') return 0;
  const value = spec.trim();
  const clock = timeOfDay.exec(value);
  if (clock) {
    const start = new Date(realNowMs);
    start.setUTCHours(Number(clock[1]), Number(clock[2]), 0, 0);
    if (start.getTime() <= realNowMs) start.setUTCDate(start.getUTCDate() + 1);
    return start.getTime() - realNowMs;
  }
  const instant = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(instant)) {
    throw new Error(`TEST_START_AT: "${spec}" is neither HH:MM (UTC) nor an ISO instant such as 2027-03-26T23:59:00Z`);
  }
  if (instant <= realNowMs) {
    throw new Error(`TEST_START_AT: ${value} is in the past; Temporal's test server only moves forward, so give a future instant or HH:MM`);
  }
  return instant - realNowMs;
}

let offsetMs: number | undefined;

/**
 * The offset for this run: resolved once by the integration global setup, so every test file
 * agrees; a process without it (a unit test) resolves TEST_START_AT itself.
 */
export function testClockOffsetMs(): number {
  offsetMs ??= inject('testClockOffsetMs') ?? resolveStartOffset(process.env.TEST_START_AT, Date.now());
  return offsetMs;
}

/** The suite's "now": the real clock moved by TEST_START_AT. What the emulators and time-skipping servers start from. */
export function testNow(): number {
  return Date.now() + testClockOffsetMs();
}

/** "Now" on the Temporal dev server, which always runs on the real clock (see above). */
export function devServerNow(): number {
  return Date.now();
}

/**
 * The `HH:MM` in `timeZone` that is `hoursAhead` after `nowMs`: an import time no test step will
 * reach by accident, whatever the hour the suite runs at.
 */
export function importTimeAhead(nowMs: number, timeZone: string, hoursAhead = 12): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(
    new Date(nowMs + hoursAhead * 3_600_000),
  );
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? '00';
  return `${get('hour')}:${get('minute')}`;
}

/**
 * The clock of an emulator a test starts: the test clock's instant at start, held still, so a Look
 * that "ends today" returns the same rows for the emulator's whole life, across midnight too.
 */
export function emulatorClock(): () => Date {
  const today = new Date(testNow());
  return () => today;
}

/** 23:59 UTC on the Saturday before the next EU clock change: the night the clocks move. */
export function dstWeekStart(nowMs: number): string {
  for (let year = new Date(nowMs).getUTCFullYear(); ; year += 1) {
    for (const month of [2, 9]) {
      const lastDay = new Date(Date.UTC(year, month + 1, 0));
      const saturday = Date.UTC(year, month, lastDay.getUTCDate() - lastDay.getUTCDay() - 1, 23, 59);
      if (saturday > nowMs + 3_600_000) return new Date(saturday).toISOString().replace('.000', '');
    }
  }
}
