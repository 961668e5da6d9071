import * as z from 'zod';
import type { EmulatorControl } from './control';
import { faultInputSchema } from './faults';
import { ControlInputError } from './look-store';
import { emptyReply, jsonReply, type Reply } from './reply';
import { matchRoute } from './router';
import { rowSchema } from './seed-schema';

/** Prefix of the control endpoint; deliberately outside /api/4.0 so no Looker client hits it. */
export const CONTROL_PREFIX = '/__emulator';

/**
 * Every control request carries this header, and bodies are application/json. A web page the
 * developer visits can send a cross-site "simple" request (text/plain, no custom header) to
 * 127.0.0.1 without asking; either requirement makes the browser ask first (CORS preflight),
 * which this server never grants.
 */
export const CONTROL_HEADER = 'x-looker-emulator-control';

interface ControlRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  template: string;
  handle(control: EmulatorControl, params: Record<string, string>, body: unknown): Reply;
}

const rowsBody = z.object({ rows: z.array(rowSchema) });
const ttlBody = z.object({ seconds: z.number().nonnegative() });

const routes: ControlRoute[] = [
  { method: 'GET', template: '/counters', handle: (c) => jsonReply(200, c.counters()) },
  { method: 'POST', template: '/counters/reset', handle: (c) => (c.resetCounters(), emptyReply(204)) },
  { method: 'GET', template: '/faults', handle: (c) => jsonReply(200, c.listFaults()) },
  { method: 'POST', template: '/faults', handle: (c, _p, body) => jsonReply(201, c.addFault(faultInputSchema.parse(body))) },
  { method: 'DELETE', template: '/faults', handle: (c) => (c.clearFaults(), emptyReply(204)) },
  {
    method: 'DELETE',
    template: '/faults/:id',
    handle: (c, p) => (c.removeFault(p.id ?? '') ? emptyReply(204) : jsonReply(404, { error: `no fault ${p.id}` })),
  },
  { method: 'POST', template: '/tokens/expire', handle: (c) => jsonReply(200, { expired: c.expireTokens() }) },
  {
    method: 'PUT',
    template: '/tokens/ttl',
    handle: (c, _p, body) => (c.setTokenTtl(ttlBody.parse(body).seconds), emptyReply(204)),
  },
  {
    method: 'PUT',
    template: '/looks/:id/rows',
    handle: (c, p, body) => (c.setLookRows(p.id ?? '', rowsBody.parse(body).rows), emptyReply(204)),
  },
  {
    method: 'POST',
    template: '/looks/:id/rows',
    handle: (c, p, body) => (c.appendLookRows(p.id ?? '', rowsBody.parse(body).rows), emptyReply(204)),
  },
  { method: 'POST', template: '/looks/:id/delete', handle: (c, p) => (c.deleteLook(p.id ?? ''), emptyReply(204)) },
  { method: 'POST', template: '/looks/:id/restore', handle: (c, p) => (c.restoreLook(p.id ?? ''), emptyReply(204)) },
  { method: 'POST', template: '/reset', handle: (c) => (c.reset(), emptyReply(204)) },
];

/** Answers /__emulator/* requests: JSON in, JSON out, errors as {error}. */
export function handleControl(
  control: EmulatorControl,
  request: { method: string; path: string; headers: Record<string, string | string[] | undefined> },
  rawBody: string,
): Reply {
  const { method, path, headers } = request;
  if (headers[CONTROL_HEADER] === undefined) {
    return jsonReply(403, { error: `control requests need the header "${CONTROL_HEADER}: 1" (refused so that web pages cannot drive the emulator)` });
  }
  const contentType = String(headers['content-type'] ?? '');
  if (rawBody !== '' && !/^application\/json\b/i.test(contentType)) {
    return jsonReply(415, { error: `send the body as JSON with "Content-Type: application/json" (got "${contentType || 'none'}")` });
  }
  const sub = path.slice(CONTROL_PREFIX.length) || '/';
  const found = matchRoute(routes, method, sub);
  if (!found) return jsonReply(404, { error: `no control route ${method} ${path}` });
  let body: unknown = {};
  if (rawBody.trim() !== '') {
    try {
      body = JSON.parse(rawBody);
    } catch {
      return jsonReply(400, { error: 'body must be JSON' });
    }
  }
  try {
    return found.route.handle(control, found.params, body);
  } catch (err) {
    if (err instanceof z.ZodError) return jsonReply(400, { error: z.prettifyError(err) });
    if (err instanceof ControlInputError) return jsonReply(err.status, { error: err.message });
    if (err instanceof RangeError) return jsonReply(400, { error: err.message });
    throw err;
  }
}
