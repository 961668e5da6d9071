import { createRoute, z } from '@hono/zod-openapi';
import type { LookerFieldMeta } from '../../../looker/parse-look-result';
import { inferTimeframe, suggestFields } from '../../../looker/parse-look-result';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { problemResponses, unprocessableResponse } from '../../errors';
import { lookerProblem } from '../../looker-problems';
import { integrationOr404, lookerClientFor } from '../../lookups';
import { LookParams } from './look-params';

const LookFieldSchema = z
  .object({
    name: z.string().openapi({ example: 'orders.created_date' }),
    label: z.string().nullable().openapi({ example: 'Orders Created Date' }),
    type: z.string().openapi({ example: 'date_date' }),
    category: z.string().nullable().openapi({ example: 'dimension', description: 'dimension, measure or table_calculation.' }),
    isNumeric: z.boolean().nullable(),
    timeframe: z.string().nullable().openapi({ example: 'date', description: 'For date fields: the Looker timeframe (date, week, month…).' }),
  })
  .openapi('LookField');

const LookFieldsSchema = z
  .object({
    lookId: z.string(),
    fields: z.array(LookFieldSchema),
    suggested: z
      .object({
        dateField: z.string().nullable().openapi({ example: 'orders.created_date' }),
        valueField: z.string().nullable().openapi({ example: 'orders.total_revenue' }),
      })
      .openapi({ description: 'A date dimension (daily first) and a numeric measure; null when the Look has none.' }),
  })
  .openapi('LookFields');

export const lookFieldsRoute = createRoute({
  method: 'get',
  path: '/v1/integrations/{id}/looks/{lookId}/fields',
  tags: ['Integrations'],
  summary: "A Look's fields, with types and suggested date and value fields",
  security: [{ bearerAuth: [] }],
  request: { params: LookParams },
  responses: {
    200: { description: 'The fields in the Look\'s column order', content: { 'application/json': { schema: LookFieldsSchema } } },
    ...problemResponses,
    ...unprocessableResponse,
  },
});

export function registerLookFields(app: App, deps: ApiDeps): void {
  app.openapi(lookFieldsRoute, async (c) => {
    const { id, lookId } = c.req.valid('param');
    const integration = await integrationOr404(deps, c.get('principal').workspaceId, id);
    const client = await lookerClientFor(deps, integration);
    let fields: LookerFieldMeta[];
    try {
      fields = await client.lookFields(lookId);
    } catch (error) {
      throw lookerProblem(error, { lookId: '/path/lookId' }, { logger: deps.logger });
    }
    const suggested = suggestFields(fields);
    return c.json(
      {
        lookId,
        fields: fields.map((field) => ({
          name: field.name,
          label: field.label ?? null,
          type: field.type,
          category: field.category ?? null,
          isNumeric: field.is_numeric ?? null,
          timeframe: inferTimeframe(field.type) ?? null,
        })),
        suggested: { dateField: suggested.dateField ?? null, valueField: suggested.valueField ?? null },
      },
      200,
    );
  });
}
