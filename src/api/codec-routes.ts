import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from './env';
import { ApiError } from './errors';

// A CommonJS module: Node's ESM loader sees its default export only.
const { temporal } = proto;

export interface CodecEndpointSettings {
  codec: PayloadCodec;
  /** CODEC_TOKEN: what an operator presents (Bearer header, or once on the sign-in form for a cookie). */
  token: string;
  /** Origins whose pages may call the endpoint with the operator's cookie: the Temporal UI's. */
  allowedOrigins: readonly string[];
  now?: () => number;
}

/** Name of the operator's codec session cookie; scoped to /codec. */
export const codecSessionCookie = 'mi_codec';
const sessionSeconds = 12 * 3600;
/** A history's payloads in one call: up to 2 MB each on the server, so allow a few. */
const maxBodyBytes = 8 * 1024 * 1024;
const authHint = 'Send the CODEC_TOKEN as "Authorization: Bearer <token>", or sign in at /codec/sign-in (the Temporal UI then needs "Include cross-origin credentials").';

/**
 * Temporal's remote codec protocol (POST /codec/decode and /codec/encode, `{"payloads": [...]}` in
 * proto3 JSON, bytes as base64), so the Temporal UI and `temporal --codec-endpoint` show decoded
 * payloads to an operator. Everything here answers 401 without the operator's token; browsers get
 * CORS answers for the allowed origins only. Without CODEC_TOKEN the routes do not exist (404).
 */
export function createCodecRoutes(settings: CodecEndpointSettings): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const now = settings.now ?? Date.now;
  const allowed = new Set(settings.allowedOrigins);
  // Digests have equal length, so comparing them in constant time says nothing about the token.
  const digestOf = (token: string) => createHmac('sha256', 'codec-token').update(token).digest();
  const isToken = (presented: string) => timingSafeEqual(digestOf(presented), digestOf(settings.token));
  const sessionMac = (expires: number) => createHmac('sha256', settings.token).update(`codec-session:${expires}`).digest('base64url');

  // CORS: the allowed origin gets an answer naming it (credentials included); any other none at all.
  routes.use('*', async (c, next) => {
    const origin = c.req.header('origin');
    const allowedOrigin = origin !== undefined && allowed.has(origin);
    if (c.req.method === 'OPTIONS') {
      if (!allowedOrigin) return c.body(null, 403, { vary: 'Origin' });
      return c.body(null, 204, {
        ...corsHeaders(origin),
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'Content-Type, X-Namespace, Authorization',
        'access-control-max-age': '600',
      });
    }
    // A page of another origin must not use the operator's cookie, even if it cannot read the answer.
    if (origin !== undefined && !allowedOrigin && c.req.path.match(/\/(de|en)code$/)) {
      throw new ApiError('forbidden', "This origin may not call the codec endpoint; only the Temporal UI's (TEMPORAL_UI_URL) may.");
    }
    await next();
    if (allowedOrigin) for (const [name, value] of Object.entries(corsHeaders(origin))) c.header(name, value);
    else c.header('vary', 'Origin', { append: true });
  });

  const authenticated = (c: Context<AppEnv>): boolean => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (bearer !== undefined) return isToken(bearer);
    const [expires, mac] = (getCookie(c, codecSessionCookie) ?? '').split('.');
    const expiresAt = Number(expires);
    if (!mac || !Number.isSafeInteger(expiresAt) || expiresAt * 1000 <= now()) return false;
    const expected = Buffer.from(sessionMac(expiresAt));
    const presented = Buffer.from(mac);
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  };

  for (const direction of ['decode', 'encode'] as const) {
    routes.post(
      `/${direction}`,
      bodyLimit({ maxSize: maxBodyBytes, onError: () => { throw new ApiError('payload_too_large', `Codec requests are limited to ${maxBodyBytes / 1024 / 1024} MB.`); } }),
      async (c) => {
        if (!authenticated(c)) throw new ApiError('unauthorized', authHint);
        const payloads = parsePayloads(await c.req.json().catch(() => undefined));
        const converted = await settings.codec[direction](payloads).catch(() => {
          // The codec's own message names the key id only; the payloads stay out of the answer.
          throw ApiError.field('unprocessable', '/body/payloads', `cannot ${direction} these payloads with the configured TEMPORAL_PAYLOAD_KEYS`);
        });
        return c.json(temporal.api.common.v1.Payloads.toObject(temporal.api.common.v1.Payloads.create({ payloads: converted }), { bytes: String }));
      },
    );
  }

  routes.get('/sign-in', (c) => c.html(signInPage()));
  routes.post('/sign-in', async (c) => {
    const form = await c.req.parseBody();
    const token = typeof form.token === 'string' ? form.token : '';
    if (!isToken(token)) {
      return c.html(signInPage('That is not the CODEC_TOKEN.'), 401);
    }
    const expires = Math.floor(now() / 1000) + sessionSeconds;
    const secure = new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
    // SameSite=Strict: sent by the Temporal UI's fetch (same site: same host, another port), not by other sites.
    setCookie(c, codecSessionCookie, `${expires}.${sessionMac(expires)}`, { path: '/codec', httpOnly: true, sameSite: 'Strict', secure, maxAge: sessionSeconds });
    return c.html(signInPage(undefined, 'Signed in for 12 hours. If the Temporal UI still shows encoded payloads, open its Codec Server settings (top right), choose "Use my browser setting", set the endpoint to this server\'s /codec address, turn on "Include cross-origin credentials", Apply, and reload the page.'));
  });
  return routes;
}

function corsHeaders(origin: string): Record<string, string> {
  return { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'Origin' };
}

/** The protocol's body: `{"payloads": [{"metadata": {name: base64}, "data": base64}]}`; errors name the field. */
function parsePayloads(body: unknown): Payload[] {
  const list = (body as { payloads?: unknown } | undefined)?.payloads;
  if (!Array.isArray(list)) throw ApiError.field('validation_failed', '/body/payloads', 'expected {"payloads": [...]}, as the Temporal codec protocol sends');
  return list.map((item, index) => {
    const pointer = `/body/payloads/${index}`;
    const { metadata = {}, data = '' } = (item ?? {}) as { metadata?: unknown; data?: unknown };
    const isBase64 = (value: unknown) => typeof value === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(value);
    if (typeof metadata !== 'object' || metadata === null || !Object.values(metadata).every(isBase64)) {
      throw ApiError.field('validation_failed', `${pointer}/metadata`, 'expected an object of base64 strings');
    }
    if (!isBase64(data)) throw ApiError.field('validation_failed', `${pointer}/data`, 'expected a base64 string');
    return temporal.api.common.v1.Payload.fromObject({ metadata, data });
  });
}

function signInPage(error?: string, notice?: string): string {
  const message = error ? `<p role="alert">${error}</p>` : notice ? `<p>${notice}</p>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Codec sign-in · metric-importer</title></head>
<body><h1>Decode Temporal payloads</h1>${message}
<form method="post" action="/codec/sign-in"><label>CODEC_TOKEN <input type="password" name="token" autocomplete="off" required></label>
<button type="submit">Sign in</button></form></body></html>`;
}
