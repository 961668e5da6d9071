import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env';
import { ApiError } from './errors';

/**
 * Guards the admin routes with the operator's ADMIN_TOKEN. Without one configured they answer 404
 * exactly like an unknown route, so a deployment that does not use them exposes nothing.
 */
export function adminAuth(adminToken: string | undefined): MiddlewareHandler<AppEnv> {
  const expected = adminToken === undefined ? undefined : digest(adminToken);
  return async (c, next) => {
    if (expected === undefined) throw new ApiError('not_found', `No route ${c.req.method} ${c.req.path}.`);
    const presented = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    // Digests have equal length, so the comparison time says nothing about the token.
    if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
      throw new ApiError('unauthorized', 'Send the ADMIN_TOKEN as "Authorization: Bearer <token>".');
    }
    await next();
  };
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
