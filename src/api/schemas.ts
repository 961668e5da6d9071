import { z } from '@hono/zod-openapi';

/** Response shapes shared by several routes. Secrets are never part of any of them. */

export const IdParam = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed' }),
});

export const IntegrationSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.literal('looker'),
    apiEndpoint: z.string().openapi({ example: 'https://acme.cloud.looker.com/api/4.0' }),
    clientId: z.string(),
    hasClientSecret: z.literal(true).openapi({ description: 'The client secret is write-only; it is never returned.' }),
    lastCheck: z
      .object({ at: z.string(), ok: z.boolean(), message: z.string().nullable() })
      .nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Integration');

export const MetricStateSchema = z.enum(['backfilling', 'active', 'paused', 'needs_attention']);

export const MetricSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    integrationId: z.string(),
    lookId: z.string(),
    dateField: z.string(),
    valueField: z.string(),
    importTime: z.string().openapi({ example: '06:00' }),
    timeZone: z.string().openapi({ example: 'Europe/Berlin' }),
    state: MetricStateSchema,
    lastImportAt: z.string().nullable(),
    nextImportAt: z.string().nullable(),
    lastError: z.string().nullable(),
    workflowId: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Metric');

export const DatapointSchema = z
  .object({
    date: z.string().openapi({ example: '2026-11-29', description: 'First day of the period the value covers.' }),
    value: z.string().openapi({ example: '1088.5', description: 'Exact decimal, as a string.' }),
  })
  .openapi('Datapoint');
