import type { Timeframe } from './types';

const DAY_MS = 86_400_000;
/** 1970-01-05 was a Monday; Looker weeks start on Monday by default. */
const FIRST_MONDAY_EPOCH_DAY = 4;

const typeToTimeframe: Record<string, Timeframe> = {
  date_date: 'day',
  date_week: 'week',
  date_month: 'month',
  date_quarter: 'quarter',
  date_year: 'year',
  date_time: 'time',
};

export function timeframeOf(fieldType: string): Timeframe | undefined {
  return typeToTimeframe[fieldType];
}

/** Looker's `time_interval` for a timeframe field. */
export function timeInterval(tf: Timeframe): { name: string; count: number } {
  const names: Record<Timeframe, string> = {
    day: 'day',
    week: 'week',
    month: 'month',
    quarter: 'quarter',
    year: 'year',
    time: 'second',
  };
  return { name: names[tf], count: 1 };
}

/** Integer bucket number of the instant `ms` on a timeframe's axis (UTC). */
export function bucketOf(tf: Timeframe, ms: number, stepMinutes = 60): number {
  const d = new Date(ms);
  const epochDay = Math.floor(ms / DAY_MS);
  switch (tf) {
    case 'day':
      return epochDay;
    case 'week':
      return Math.floor((epochDay - FIRST_MONDAY_EPOCH_DAY) / 7);
    case 'month':
      return d.getUTCFullYear() * 12 + d.getUTCMonth();
    case 'quarter':
      return d.getUTCFullYear() * 4 + Math.floor(d.getUTCMonth() / 3);
    case 'year':
      return d.getUTCFullYear();
    case 'time':
      return Math.floor(ms / (stepMinutes * 60_000));
  }
}

/** Start instant (UTC ms) of a bucket; inverse of bucketOf. */
export function bucketStart(tf: Timeframe, bucket: number, stepMinutes = 60): number {
  switch (tf) {
    case 'day':
      return bucket * DAY_MS;
    case 'week':
      return (bucket * 7 + FIRST_MONDAY_EPOCH_DAY) * DAY_MS;
    case 'month':
      return Date.UTC(Math.floor(bucket / 12), bucket % 12, 1);
    case 'quarter':
      return Date.UTC(Math.floor(bucket / 4), (bucket % 4) * 3, 1);
    case 'year':
      return Date.UTC(bucket, 0, 1);
    case 'time':
      return bucket * stepMinutes * 60_000;
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function isoDay(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** The value Looker returns for a timeframe dimension: naive strings, years as numbers. */
export function formatBucket(tf: Timeframe, ms: number): string | number {
  const d = new Date(ms);
  switch (tf) {
    case 'day':
    case 'week':
      return isoDay(d);
    case 'month':
      return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}`;
    case 'quarter':
      return `${pad(d.getUTCFullYear(), 4)}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
    case 'year':
      return d.getUTCFullYear();
    case 'time':
      return `${isoDay(d)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  }
}

/** Resolves a seed `end` ("today", "yesterday", a date or a date-time) against the clock. */
export function resolveEnd(end: string, now: Date): number {
  if (end === 'today') return now.getTime();
  if (end === 'yesterday') return now.getTime() - DAY_MS;
  return Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(end) ? `${end}T00:00:00Z` : end);
}

/** ISO 8601 with offset as Looker prints object timestamps, e.g. 2024-01-15T09:30:00.000+00:00. */
export function lookerDateTime(ms: number, withMillis = true): string {
  const iso = new Date(ms).toISOString();
  return (withMillis ? iso : iso.replace(/\.\d{3}Z$/, 'Z')).replace(/Z$/, '+00:00');
}
