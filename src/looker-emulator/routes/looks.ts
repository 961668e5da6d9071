import { NOT_FOUND } from '../errors';
import { pagingLinks, searchLooks } from '../look-search';
import { lookJson, lookWithQueryJson, type LookContext } from '../look-serializer';
import type { RequestContext, RouteDef } from '../router';
import { fail, okJson } from './common';

function lookContext(ctx: RequestContext): LookContext {
  return { seed: ctx.env.seed, webUrl: ctx.env.baseUrl() };
}

/** URL the client used, so Link headers point back at the same host and port. */
function requestUrl(ctx: RequestContext): URL {
  const host = ctx.headers.host;
  return host ? new URL(`${ctx.url.pathname}${ctx.url.search}`, `http://${host}`) : ctx.url;
}

export const lookRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/api/4.0/looks',
    auth: true,
    handle(ctx) {
      const lc = lookContext(ctx);
      return okJson(ctx, ctx.env.looks.list().filter((l) => !l.deleted).map((l) => lookJson(l, lc)));
    },
  },
  {
    method: 'GET',
    template: '/api/4.0/looks/search',
    auth: true,
    handle(ctx) {
      const lc = lookContext(ctx);
      const all = ctx.env.looks.list().map((l) => lookJson(l, lc));
      const outcome = searchLooks(all, ctx.url.searchParams);
      const headers: Record<string, string> = {};
      if (outcome.page) {
        headers.link = pagingLinks(requestUrl(ctx), outcome.page, outcome.total);
        headers['x-total-count'] = String(outcome.total);
      }
      return okJson(ctx, outcome.items, headers);
    },
  },
  {
    method: 'GET',
    template: '/api/4.0/looks/:look_id',
    auth: true,
    handle(ctx) {
      const look = ctx.env.looks.get(ctx.params.look_id ?? '');
      if (!look || look.deleted) return fail(ctx, 404, NOT_FOUND);
      return okJson(ctx, lookWithQueryJson(look, lookContext(ctx)));
    },
  },
];
