import type { MiddlewareHandler } from 'hono';
import { bearerTokenMatcher } from '../crypto/bearer-token';
import type { AppEnv } from './env';
import { ApiError } from './errors';

/**
 * Guards the admin routes with the operator's ADMIN_TOKEN. Without one configured they answer 404
 * exactly like an unknown route, so a deployment that does not use them exposes nothing.
 */
export function adminAuth(adminToken: string | undefined): MiddlewareHandler<AppEnv> {
  const matches = adminToken === undefined ? undefined : bearerTokenMatcher(adminToken);
  return async (c, next) => {
    if (matches === undefined) throw new ApiError('not_found', `No route ${c.req.method} ${c.req.path}.`);
    if (!matches(c.req.header('authorization'))) {
      throw new ApiError('unauthorized', 'Send the ADMIN_TOKEN as "Authorization: Bearer <token>".');
    }
    await next();
  };
}
