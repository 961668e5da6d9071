import { createRoute, z } from '@hono/zod-openapi';
import { defaultRequestTimeoutMs } from '../../../looker/client';
import { parseLookRows, type ParseResult } from '../../../looker/parse-look-result';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { bodyProblemResponses, problemResponses, unprocessableResponse } from '../../errors';
import { checkLookFields } from '../../look-fields-check';
import { bodyPointers, lookerProblem } from '../../looker-problems';
import { integrationOr404, lookerClientFor } from '../../lookups';
import { DatapointSchema } from '../../schemas';
import { FieldNameSchema } from '../metrics/metric-input';
import { LookParams } from './look-params';

const PreviewInputSchema = z
  .strictObject({
    dateField: FieldNameSchema.openapi({ example: 'orders.created_date' }),
    valueField: FieldNameSchema.openapi({ example: 'orders.total_revenue' }),
    rowLimit: z.number().int().min(1).max(50_000).default(5_000).openapi({ description: 'Rows read from Looker for the preview (the import reads up to LOOKER_MAX_ROWS).' }),
    sampleSize: z.number().int().min(1).max(1_000).default(20).openapi({ description: 'How many of the most recent datapoints to return.' }),
  })
  .openapi('PreviewInput', { example: { dateField: 'orders.created_date', valueField: 'orders.total_revenue', rowLimit: 5000, sampleSize: 20 } });

const PreviewSchema = z
  .object({
    lookId: z.string(),
    dateField: z.string(),
    valueField: z.string(),
    rowsRead: z.number().int(),
    datapointCount: z.number().int().openapi({ description: 'Datapoints the rows parse into (one per date).' }),
    granularity: z.enum(['day', 'week', 'month', 'quarter', 'year']),
    firstDate: z.string().nullable(),
    lastDate: z.string().nullable(),
    skipped: z.number().int().openapi({ description: 'Rows that became no datapoint.' }),
    skipReasons: z.record(z.string(), z.number().int()).openapi({ example: { missing_date: 1, unparseable_date: 0, null_value: 12, not_a_number: 0, formatted_number: 0 } }),
    duplicateDates: z.number().int().openapi({ description: 'Rows repeating an earlier date with the same value, merged into one datapoint.' }),
    possiblyTruncated: z.boolean().openapi({ description: 'The Look returned rowLimit rows: older history is probably cut off in this preview.' }),
    rowLimit: z.number().int(),
    datapoints: z.array(DatapointSchema).openapi({ description: 'The most recent sampleSize datapoints, in date order.' }),
  })
  .openapi('Preview');

export const previewLookRoute = createRoute({
  method: 'post',
  path: '/v1/integrations/{id}/looks/{lookId}/preview',
  tags: ['Integrations'],
  summary: 'Parse a Look with chosen fields, without saving anything',
  description: 'Runs the Look as an import would and shows what it would store: counts, skip reasons and a sample of datapoints. Nothing is stored.',
  security: [{ bearerAuth: [] }],
  request: { params: LookParams, body: { required: true, content: { 'application/json': { schema: PreviewInputSchema } } } },
  responses: {
    200: { description: 'What an import would store', content: { 'application/json': { schema: PreviewSchema } } },
    ...problemResponses,
    ...bodyProblemResponses,
    ...unprocessableResponse,
  },
});

export function registerPreviewLook(app: App, deps: ApiDeps): void {
  app.openapi(previewLookRoute, async (c) => {
    const { id, lookId } = c.req.valid('param');
    const input = c.req.valid('json');
    const integration = await integrationOr404(deps, c.get('principal').workspaceId, id);
    const client = await lookerClientFor(deps, integration);
    const source = { lookId, dateField: input.dateField, valueField: input.valueField };
    await checkLookFields(client, source, '/path/lookId');
    let parsed: ParseResult;
    try {
      // The caller waits for the answer: a busy integration answers "unavailable" after the metadata timeout.
      const rows = await client.runLook(lookId, { limit: input.rowLimit, fields: [input.dateField, input.valueField], maxSlotWaitMs: defaultRequestTimeoutMs });
      parsed = parseLookRows(rows, { dateField: input.dateField, valueField: input.valueField, limit: input.rowLimit });
    } catch (error) {
      throw lookerProblem(error, { ...bodyPointers, lookId: '/path/lookId' }, { source, logger: deps.logger });
    }
    return c.json(
      {
        ...source,
        rowsRead: parsed.rowsRead,
        datapointCount: parsed.datapoints.length,
        granularity: parsed.granularity,
        firstDate: parsed.datapoints[0]?.date ?? null,
        lastDate: parsed.datapoints.at(-1)?.date ?? null,
        skipped: Object.values(parsed.skipped).reduce((sum, n) => sum + n, 0),
        skipReasons: parsed.skipped,
        duplicateDates: parsed.duplicateDates,
        possiblyTruncated: parsed.possiblyTruncated,
        rowLimit: input.rowLimit,
        datapoints: parsed.datapoints.slice(-input.sampleSize),
      },
      200,
    );
  });
}
