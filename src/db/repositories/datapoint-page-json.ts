import { and, gt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { datapoints } from '../schema';

export interface DatapointPageJson {
  /** The page's datapoints as a JSON array's items, `{"date":"…","value":"…"}` joined by commas. */
  items: string;
  /** The last date on the page, when more datapoints follow it. */
  nextAfter: string | null;
}

/**
 * A page of datapoints (`range`, after `after`, in date order, at most `limit`) serialised by
 * Postgres: a whole series is thousands of rows, and reading them as objects only to serialise
 * them again cost the API most of a read (docs/benchmarks.md, "API reads"). Dates and exact decimal
 * values as text need no JSON escaping (digits, '-', '.', or NaN/Infinity), so this is the JSON the
 * rows would make, byte for byte.
 */
export async function datapointPageJson(db: Db, range: SQL | undefined, after: string | undefined, limit: number): Promise<DatapointPageJson> {
  const page = db
    .select({
      date: datapoints.date,
      value: datapoints.value,
      position: sql<number>`row_number() over (order by ${datapoints.date})`.as('position'),
    })
    .from(datapoints)
    .where(and(range, after === undefined ? undefined : gt(datapoints.date, after)))
    .orderBy(datapoints.date)
    .limit(limit + 1)
    .as('page');
  const [row] = await db
    .select({
      items: sql<string>`coalesce(string_agg('{"date":"' || ${page.date}::text || '","value":"' || ${page.value}::text || '"}', ',' order by ${page.date}) filter (where ${page.position} <= ${limit}), '')`,
      last: sql<string | null>`(max(${page.date}) filter (where ${page.position} <= ${limit}))::text`,
      more: sql<boolean>`count(*) > ${limit}`,
    })
    .from(page);
  return { items: row!.items, nextAfter: row!.more ? row!.last : null };
}
