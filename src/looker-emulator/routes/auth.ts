import { NOT_FOUND } from '../errors';
import { emptyReply, jsonReply } from '../reply';
import type { RequestContext, RouteDef } from '../router';
import { fail } from './common';

/** Credentials from the form body (what the SDKs send) or, failing that, the query string. */
function credentials(ctx: RequestContext): { id: string | null; secret: string | null } {
  const form = new URLSearchParams(ctx.body);
  const query = ctx.url.searchParams;
  const pick = (name: string) => form.get(name) ?? query.get(name);
  return { id: pick('client_id'), secret: pick('client_secret') };
}

export const authRoutes: RouteDef[] = [
  {
    method: 'POST',
    template: '/api/4.0/login',
    auth: false,
    handle(ctx) {
      const { id, secret } = credentials(ctx);
      const expected = ctx.env.credentials;
      if (id !== expected.clientId || secret !== expected.clientSecret) {
        ctx.env.counters.login(false);
        // Looker answers bad credentials with 404, not 401.
        return fail(ctx, 404, NOT_FOUND);
      }
      ctx.env.counters.login(true);
      const { token, expiresIn } = ctx.env.tokens.mint();
      return jsonReply(200, { access_token: token, token_type: 'Bearer', expires_in: expiresIn, refresh_token: null });
    },
  },
  {
    method: 'DELETE',
    template: '/api/4.0/logout',
    auth: false,
    handle(ctx) {
      // A revoked, expired or missing token is "Not found" here, as in Looker's own example.
      if (!ctx.token || !ctx.env.tokens.revoke(ctx.token)) return fail(ctx, 404, NOT_FOUND);
      ctx.env.counters.logout();
      return emptyReply(204);
    },
  },
];
