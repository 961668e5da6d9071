// Daily import scheduling in a metric's own time zone.
//
// No imports on purpose: this module must be safe inside Temporal's workflow sandbox. Zone offsets
// come only from Intl.DateTimeFormat with an explicit `timeZone`; no local-time Date methods are
// used, so the process's TZ never matters. Rules are described in docs/scheduling-and-secrets.md.

export interface ImportSchedule {
  /** Wall-clock time of the daily import, 'HH:MM' 24-hour. */
  importTime: string;
  /** IANA time zone name, e.g. 'Europe/Berlin' or 'UTC'. */
  timeZone: string;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const DAY_MS = 86_400_000;

// Exactly two digits each, 00–23 and 00–59: one spelling per time keeps stored values comparable.
const IMPORT_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

// IANA names start with a letter. This rejects offsets such as '+02:00', which newer V8 versions
// accept as zones: they never follow DST, and rejecting them keeps behaviour the same on every Node.
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;

// Keyed by lower-cased name, so the cache stays bounded however callers spell a zone.
const formatters = new Map<string, Intl.DateTimeFormat>();

export function parseImportTime(s: string): { hour: number; minute: number } | undefined {
  const match = IMPORT_TIME.exec(s);
  if (!match) return undefined;
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

/**
 * The zone name to store: a primary zone comes back in its canonical spelling ('europe/berlin' →
 * 'Europe/Berlin', 'utc' → 'UTC'); an alias ('Asia/Kolkata', 'US/Eastern', 'Etc/UTC') is kept as
 * given, because the runtime would otherwise swap in ICU's outdated primary names ('Asia/Calcutta',
 * 'Europe/Kiev'). Undefined when the name is not a zone this runtime knows.
 */
export function canonicalTimeZone(tz: string): string | undefined {
  const resolved = tryFormatter(tz)?.resolvedOptions().timeZone;
  if (resolved === undefined) return undefined;
  return resolved.toLowerCase() === tz.toLowerCase() ? resolved : tz;
}

export function isValidTimeZone(tz: string): boolean {
  return canonicalTimeZone(tz) !== undefined;
}

/**
 * The first instant strictly after `afterMs` at which the wall clock in `schedule.timeZone` shows
 * `schedule.importTime`. A local time skipped by a DST change moves forward by the gap length, but
 * never out of its local day: where the gap ends the day (America/Nuuk, 23:00 → 00:00) it runs at
 * the day's last minute before the change instead. A local time that occurs twice takes the first
 * (earlier) occurrence only.
 */
export function nextImportAt(afterMs: number, schedule: ImportSchedule): number {
  const time = parseImportTime(schedule.importTime);
  if (!time) {
    throw new RangeError(`invalid importTime "${schedule.importTime}": use HH:MM in 24-hour form, e.g. "06:00"`);
  }
  if (!Number.isFinite(afterMs)) throw new RangeError(`invalid afterMs ${afterMs}: expected epoch milliseconds`);
  const { year, month, day } = wallClockAt(afterMs, schedule.timeZone);
  // Usually today's or tomorrow's import. The loop (rather than two tries) also covers zones that
  // once repeated a whole calendar day; every step is about a day later, so it always ends.
  for (let offsetDays = 0; ; offsetDays++) {
    const wall = Date.UTC(year, month - 1, day + offsetDays, time.hour, time.minute);
    const at = keptInItsDay(instantOfWallTime(wall, schedule.timeZone), wall, schedule.timeZone);
    if (at > afterMs) return at;
  }
}

/**
 * `at` when the zone's clock shows the date of `wall` (a wall time encoded as UTC) then. A skipped
 * time moved forward past midnight is pulled back to the last whole minute of its own day, so that
 * day still gets its import and the next one does not get two. When the whole day was skipped
 * (Samoa, 2011-12-30) there is no minute of it left, and `at` stands.
 */
function keptInItsDay(at: number, wall: number, timeZone: string): number {
  const date = new Date(wall).toISOString().slice(0, 10);
  if (localDateOf(at, timeZone) === date) return at;
  const clock = wallClockAt(at, timeZone);
  const nextDayStart = at - ((clock.hour * 60 + clock.minute) * 60 + clock.second) * 1000;
  const lastMinute = nextDayStart - 60_000;
  return localDateOf(lastMinute, timeZone) === date ? lastMinute : at;
}

/** The calendar date, 'YYYY-MM-DD', that the zone's wall clock shows at `ms`. */
export function localDateOf(ms: number, timeZone: string): string {
  const { year, month, day } = wallClockAt(ms, timeZone);
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function tryFormatter(timeZone: string): Intl.DateTimeFormat | undefined {
  if (!ZONE_NAME.test(timeZone)) return undefined;
  const cacheKey = timeZone.toLowerCase();
  const cached = formatters.get(cacheKey);
  if (cached) return cached;
  try {
    const formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(cacheKey, formatter);
    return formatter;
  } catch {
    return undefined; // Intl throws RangeError for names it does not know.
  }
}

function wallClockAt(ms: number, timeZone: string): WallClock {
  const formatter = tryFormatter(timeZone);
  if (!formatter) {
    throw new RangeError(`unknown time zone "${timeZone}": use an IANA name such as "Europe/Berlin" or "UTC"`);
  }
  const clock: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatter.formatToParts(ms)) {
    if (part.type in clock) clock[part.type as keyof WallClock] = Number(part.value);
  }
  return clock;
}

/** UTC offset in ms at instant `ms` (whole seconds, as old LMT offsets have seconds). */
function offsetAt(ms: number, timeZone: string): number {
  const c = wallClockAt(ms, timeZone);
  const wholeSecondMs = ms - (((ms % 1000) + 1000) % 1000);
  return Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second) - wholeSecondMs;
}

/**
 * `wall` is a local wall-clock time encoded as if it were UTC. Candidate offsets are the ones in
 * force a day either side (this assumes at most one offset change within 48 hours, true of every
 * real zone); a candidate is genuine when the zone really has that offset at the resulting instant.
 */
function instantOfWallTime(wall: number, timeZone: string): number {
  const offsetBefore = offsetAt(wall - DAY_MS, timeZone);
  const offsetAfter = offsetAt(wall + DAY_MS, timeZone);
  const genuine = [wall - offsetBefore, wall - offsetAfter].filter((t) => offsetAt(t, timeZone) === wall - t);
  // Two genuine instants: the time is ambiguous (clocks went back), take the earlier one.
  if (genuine.length > 0) return Math.min(...genuine);
  // None: the time falls in a gap (clocks went forward). Reading it with the offset from before
  // the change lands the gap length later, e.g. 02:30 → 03:30, as Temporal's 'compatible' does.
  return wall - offsetBefore;
}
