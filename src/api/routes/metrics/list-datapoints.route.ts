import { createRoute, z } from '@hono/zod-openapi';
import { and, asc, eq, gt, gte, lte, type SQL } from 'drizzle-orm';
import { datapointPageJson } from '../../../db/repositories/datapoint-page-json';
import { datapoints } from '../../../db/schema';
import type { App } from '../../app';
import { createDatapointPageCache } from '../../datapoint-page-cache';
import type { ApiDeps } from '../../deps';
import { ApiError, problemResponses } from '../../errors';
import { metricOr404 } from '../../lookups';
import { decodeCursor, encodeCursor, pageSchema } from '../../pagination';
import { DatapointSchema, IdParam } from '../../schemas';

const isoDate = z.iso.date();

/** Datapoints read per query while a CSV export streams. */
const csvPageSize = 5_000;

const QuerySchema = z.object({
  from: isoDate.optional().openapi({ example: '2026-01-01', description: 'First date included.' }),
  to: isoDate.optional().openapi({ example: '2026-12-31', description: 'Last date included.' }),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000).openapi({ description: 'Datapoints per page, 1–10,000 (default 1,000).' }),
  cursor: z.string().max(100).optional().openapi({ description: 'The nextCursor of the previous page; omit for the first page.' }),
  format: z.enum(['json', 'csv']).default('json').openapi({ description: 'csv returns every datapoint in the range as text/csv, without paging.' }),
});

const DatapointPageSchema = pageSchema(DatapointSchema, 'DatapointPage');

export const listDatapointsRoute = createRoute({
  method: 'get',
  path: '/v1/metrics/{id}/datapoints',
  tags: ['Datapoints'],
  summary: "A metric's datapoints in a date range",
  security: [{ bearerAuth: [] }],
  request: { params: IdParam, query: QuerySchema },
  responses: {
    200: {
      description: 'Datapoints in date order',
      content: {
        'application/json': { schema: DatapointPageSchema },
        'text/csv': { schema: z.string().openapi({ example: 'date,value\n2026-11-28,1088.5\n' }) },
      },
    },
    ...problemResponses,
  },
});

export function registerListDatapoints(app: App, deps: ApiDeps): void {
  const pages = createDatapointPageCache();
  app.openapi(listDatapointsRoute, async (c) => {
    const { id } = c.req.valid('param');
    const query = c.req.valid('query');
    if (query.from && query.to && query.from > query.to) {
      throw ApiError.field('validation_failed', '/query/from', `from (${query.from}) is after to (${query.to})`);
    }
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, [(part) => isoDate.safeParse(part).success])[0];
    const metric = await metricOr404(deps, c.get('principal').workspaceId, id);
    const range = and(
      eq(datapoints.metricId, metric.id),
      query.from ? gte(datapoints.date, query.from) : undefined,
      query.to ? lte(datapoints.date, query.to) : undefined,
    );
    if (query.format === 'csv') {
      return c.body(csvStream(deps, range), 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="metric-${metric.id}.csv"` });
    }
    // The page comes serialised from Postgres (the same JSON as c.json of the rows, without building
    // them), and is served again while the metric row says its datapoints did not change.
    const page = await pages.page({ metricId: metric.id, version: metric.updatedAt.getTime(), query: JSON.stringify([query.from, query.to, after, query.limit]) }, () =>
      datapointPageJson(deps.db, range, after, query.limit),
    );
    const nextCursor = page.nextAfter === null ? null : encodeCursor([page.nextAfter]);
    return c.body(`{"data":[${page.items}],"nextCursor":${JSON.stringify(nextCursor)}}`, 200, { 'content-type': 'application/json' });
  });
}

/**
 * The whole range as CSV, read a page at a time (keyset on date) as the client takes it: memory
 * stays at one page whatever the range, and no connection is held while a slow client reads.
 */
function csvStream(deps: ApiDeps, range: SQL | undefined): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after: string | undefined;
  let started = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const rows = await deps.db
          .select({ date: datapoints.date, value: datapoints.value })
          .from(datapoints)
          .where(and(range, after === undefined ? undefined : gt(datapoints.date, after)))
          .orderBy(asc(datapoints.date))
          .limit(csvPageSize);
        const lines = rows.map((row) => `${row.date},${row.value}\n`).join('');
        controller.enqueue(encoder.encode(started ? lines : `date,value\n${lines}`));
        started = true;
        after = rows.at(-1)?.date;
        if (rows.length < csvPageSize) controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}
