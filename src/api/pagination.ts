import { z } from '@hono/zod-openapi';
import { isUuid } from '../db/repositories/integrations';
import { keysetTextPattern, type Keyset, type Page } from '../db/repositories/keyset';
import { ApiError } from './errors';

/**
 * One scheme for every list: `limit` items per page and an opaque `cursor`, the previous page's
 * `nextCursor` (null on the last page). Cursors are keyset positions, so pages neither repeat nor
 * skip items when rows are added while someone pages.
 */
export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ description: 'Items per page, 1–200 (default 50).', example: 50 }),
  cursor: z.string().max(500).optional().openapi({ description: 'The nextCursor of the previous page; omit for the first page.' }),
});

export function pageSchema<T extends z.ZodType>(item: T, name: string) {
  return z
    .object({
      data: z.array(item),
      nextCursor: z.string().nullable().openapi({ description: 'Pass as cursor for the next page; null on the last page.' }),
    })
    .openapi(name);
}

export function encodeCursor(parts: readonly string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** The cursor's parts, or a problem pointing at /query/cursor; `valid` checks each decoded part. */
export function decodeCursor(cursor: string, valid: readonly ((part: string) => boolean)[]): string[] {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parts = undefined;
  }
  if (!Array.isArray(parts) || parts.length !== valid.length || !parts.every((part, i) => typeof part === 'string' && valid[i]!(part))) {
    throw ApiError.field('validation_failed', '/query/cursor', 'is not a cursor this API issued; pass nextCursor from the previous page unchanged');
  }
  return parts as string[];
}

/** A list's keyset position from its cursor query parameter. */
export function keysetFromCursor(cursor: string | undefined): Keyset | undefined {
  if (cursor === undefined) return undefined;
  const [at, id] = decodeCursor(cursor, [isKeysetInstant, isUuid]);
  return { at: at!, id: id! };
}

/**
 * The shape alone lets "2026-13-45T99:00:00.000000Z" through, and Postgres' timestamp cast then
 * fails: the date must exist (compared at millisecond precision, after year 0, which Postgres lacks).
 */
function isKeysetInstant(part: string): boolean {
  if (!keysetTextPattern.test(part) || part.startsWith('0000')) return false;
  const milliseconds = `${part.slice(0, 23)}Z`;
  const parsed = new Date(milliseconds);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString() === milliseconds;
}

/** A repository page as the API answers it. */
export function pageBody<T, V>(page: Page<T>, view: (row: T) => V): { data: V[]; nextCursor: string | null } {
  return { data: page.items.map(view), nextCursor: page.next ? encodeCursor([page.next.at, page.next.id]) : null };
}
