import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { csrfTokenMatches, findConsoleSession } from '../db/repositories/console-sessions';
import type { Db } from '../db/client';
import type { AppEnv } from './env';
import { ApiError } from './errors';
import type { VerifiedApiKeys } from './verified-api-keys';

/** Cookie holding the web console's opaque session id. */
export const sessionCookie = 'mi_session';
/** Header the console sends its CSRF token in. */
export const csrfHeader = 'x-csrf-token';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Bearer API keys scoped to one workspace; only the key's hash is looked up (and remembered for a
 * few seconds, see VerifiedApiKeys). Without an
 * Authorization header, the web console's session cookie is accepted instead, and then every
 * state change must carry the session's CSRF token: the console uses these same routes.
 */
export function apiKeyAuth(db: Db, keys: VerifiedApiKeys): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    const sessionId = getCookie(c, sessionCookie);
    if (header === undefined && sessionId !== undefined) {
      const session = await findConsoleSession(db, sessionId, Date.now());
      if (!session) throw new ApiError('unauthorized', 'The console session has expired or its API key was revoked; sign in again.');
      if (!safeMethods.has(c.req.method) && !csrfTokenMatches(session.csrfToken, c.req.header(csrfHeader))) {
        throw new ApiError('forbidden', `Send the console's CSRF token in the ${csrfHeader} header; reload the page to get a fresh one.`);
      }
      c.set('principal', { workspaceId: session.workspaceId, apiKeyId: session.apiKeyId });
      return next();
    }
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match?.[1]) {
      throw new ApiError('unauthorized', 'Send the API key as "Authorization: Bearer <key>".');
    }
    const key = await keys.find(match[1]);
    if (!key) throw unknownKey();
    c.set('principal', { workspaceId: key.workspaceId, apiKeyId: key.id });
    await next();
  };
}

// One answer for malformed, unknown and revoked keys: the shape check tells an attacker nothing new.
const unknownKey = () => new ApiError('unauthorized', 'The API key is unknown or was revoked.');
