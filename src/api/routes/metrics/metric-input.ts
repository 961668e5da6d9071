import { z } from '@hono/zod-openapi';
import { canonicalTimeZone, parseImportTime } from '../../../shared/schedule';

export const ImportTimeSchema = z
  .string()
  .refine((value) => parseImportTime(value) !== undefined, 'must be HH:MM between 00:00 and 23:59, e.g. "06:00"')
  .openapi({ example: '06:00', description: 'Local time of the daily import, 24-hour HH:MM.' });

export const TimeZoneSchema = z
  .string()
  .transform((value, ctx) => {
    const canonical = canonicalTimeZone(value);
    if (canonical === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not an IANA time zone; use a name like "Europe/Berlin" or "UTC"` });
      return z.NEVER;
    }
    return canonical;
  })
  .openapi({ type: 'string', example: 'Europe/Berlin', description: 'IANA time zone of the import time.' });

export const FieldNameSchema = z.string().trim().min(1).max(300);

export const MetricNameSchema = z.string().trim().min(1).max(200).openapi({ example: 'Daily revenue' });
export const LookIdSchema = z.string().trim().min(1).max(100).openapi({ example: '1', description: 'The Look id, as Looker shows it in the Look URL.' });
