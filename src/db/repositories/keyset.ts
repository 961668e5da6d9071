import { sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

/** Position of a row in a list ordered by (timestamp, id): the timestamp as UTC ISO text with microseconds. */
export interface Keyset {
  at: string;
  id: string;
}

export interface PageRequest {
  limit: number;
  /** The last row of the previous page; absent for the first page. */
  after?: Keyset;
}

export interface Page<T> {
  items: T[];
  /** Where the next page starts; null on the last page. */
  next: Keyset | null;
}

/**
 * The timestamp as text with all six fractional digits: a JS Date keeps only milliseconds, and a
 * cursor rounded to them would repeat or skip rows created within the same millisecond.
 */
export function keysetText(column: PgColumn): SQL<string> {
  return sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

export const keysetTextPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** Rows strictly after `key` in (at, id) order, ascending or descending. */
export function afterKeyset(atColumn: PgColumn, idColumn: PgColumn, key: Keyset | undefined, order: 'asc' | 'desc'): SQL | undefined {
  if (!key) return undefined;
  return order === 'asc'
    ? sql`(${atColumn}, ${idColumn}) > (${key.at}::timestamptz, ${key.id}::uuid)`
    : sql`(${atColumn}, ${idColumn}) < (${key.at}::timestamptz, ${key.id}::uuid)`;
}

/** Cuts `limit + 1` fetched rows into a page: the extra row only tells that there is a next page. */
export function toPage<T>(rows: { row: T; at: string; id: string }[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map((item) => item.row), next: rows.length > limit && last ? { at: last.at, id: last.id } : null };
}
