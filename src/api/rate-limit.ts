import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from '../logger';
import type { AppEnv } from './env';
import { problemResponse } from './errors';

export interface RateLimiter {
  /** Takes one token from `key`'s bucket; when empty, says in how many whole seconds one is back. */
  take(key: string): { allowed: true } | { allowed: false; retryAfterSeconds: number };
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Above this many buckets, full ones are dropped (at most once a second): a full bucket is the same as no bucket. */
const sweepAbove = 10_000;
const sweepEveryMs = 1000;

/**
 * A token bucket per key, in this process's memory: `perMinute` tokens, refilled evenly over a
 * minute, so a key may burst `perMinute` calls and then one every 60/perMinute seconds. With several
 * API processes each keeps its own buckets, so the effective limit is perMinute × processes.
 * `now` (milliseconds, monotonic) is injectable so tests never depend on the wall clock.
 */
export function createRateLimiter(options: { perMinute: number; now?: () => number }): RateLimiter {
  const capacity = options.perMinute;
  const refillPerMs = options.perMinute / 60_000;
  const now = options.now ?? (() => performance.now());
  const buckets = new Map<string, Bucket>();
  let sweptAt = Number.NEGATIVE_INFINITY;

  const refilled = (bucket: Bucket, at: number): number => Math.min(capacity, bucket.tokens + (at - bucket.at) * refillPerMs);

  return {
    take(key) {
      const at = now();
      if (buckets.size > sweepAbove && at - sweptAt >= sweepEveryMs) {
        sweptAt = at;
        for (const [other, bucket] of buckets) if (refilled(bucket, at) >= capacity) buckets.delete(other);
      }
      const bucket = buckets.get(key) ?? { tokens: capacity, at };
      const tokens = refilled(bucket, at);
      if (tokens >= 1) {
        buckets.set(key, { tokens: tokens - 1, at });
        return { allowed: true };
      }
      buckets.set(key, { tokens, at });
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / refillPerMs / 1000)) };
    },
  };
}

/** Every limit the API applies, one bucket set each (see docs/security.md#rate-limits). */
export interface RateLimits {
  /** Every /v1 request, per client address, before authentication. */
  perAddress: RateLimiter;
  /** Every authenticated /v1 request (console sessions included), per API key. */
  perKey: RateLimiter;
  /** The admin routes, per client address, before the token is checked. */
  admin: RateLimiter;
  /** Routes that contact a tenant's Looker host to check credentials, per API key. */
  lookerChecks: RateLimiter;
}

/**
 * The limiter `which` of `deps.rateLimits`, looked up at each call, so the app can be built before
 * its dependencies are complete (tests build it with no dependencies to read its OpenAPI document).
 */
export function limiterFrom(deps: { rateLimits: RateLimits }, which: keyof RateLimits): RateLimiter {
  return { take: (key) => deps.rateLimits[which].take(key) };
}

/** Calls per minute: RATE_LIMIT_PER_ADDRESS, RATE_LIMIT_PER_KEY, ADMIN_RATE_LIMIT, LOOKER_CHECKS_PER_MINUTE. */
export type RateLimitSettings = Record<keyof RateLimits, number>;

export function createRateLimits(settings: RateLimitSettings, now?: () => number): RateLimits {
  return {
    perAddress: createRateLimiter({ perMinute: settings.perAddress, now }),
    perKey: createRateLimiter({ perMinute: settings.perKey, now }),
    admin: createRateLimiter({ perMinute: settings.admin, now }),
    lookerChecks: createRateLimiter({ perMinute: settings.lookerChecks, now }),
  };
}

/**
 * The client's address: the socket's peer, or with `trustProxyHops` proxies in front (each
 * appending the address it received from to X-Forwarded-For) the entry that many places from the
 * right. Entries further left are whatever the client sent, so they are never trusted; with no
 * trusted hops the header is ignored altogether. Undefined for in-process calls (the console's
 * page reads), which were counted when the page itself was requested.
 */
export function clientAddress(c: Context, trustProxyHops: number): string | undefined {
  const socket = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress;
  if (trustProxyHops === 0) return socket;
  const forwarded = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  return forwarded.at(-trustProxyHops) ?? socket;
}

interface LimitOptions {
  limiter: RateLimiter;
  logger: Logger;
  /** The bucket of this request; undefined = not limited here. */
  keyOf(c: Context<AppEnv>): string | undefined;
  /** What is limited and per what, for the refusal: "Too many {what}; try again in N s." */
  what: string;
}

/** Refusals are 429 problems with Retry-After, logged with the bucket (a key id or an address, never a key). */
export function rateLimited(options: LimitOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = options.keyOf(c);
    const result = key === undefined ? ({ allowed: true } as const) : options.limiter.take(key);
    if (!result.allowed) {
      options.logger.warn({ requestId: c.get('requestId'), bucket: key, path: c.req.path, retryAfterSeconds: result.retryAfterSeconds }, 'rate limited');
      const detail = `Too many ${options.what}; try again in ${result.retryAfterSeconds} s.`;
      return problemResponse(c, 'rate_limited', detail, [], { 'retry-after': String(result.retryAfterSeconds) });
    }
    await next();
  };
}

/** Limits per API key (the authenticated principal's key id); runs after authentication. */
export function rateLimitedPerKey(limiter: RateLimiter, logger: Logger, what: string): MiddlewareHandler<AppEnv> {
  return rateLimited({ limiter, logger, what: `${what} with this API key`, keyOf: (c) => `key:${c.get('principal').apiKeyId}` });
}

/** Limits per client address; runs before authentication, so refused floods cost no database query. */
export function rateLimitedPerAddress(limiter: RateLimiter, logger: Logger, what: string, trustProxyHops: number): MiddlewareHandler<AppEnv> {
  return rateLimited({
    limiter,
    logger,
    what: `${what} from this address`,
    keyOf: (c) => {
      const address = clientAddress(c, trustProxyHops);
      return address === undefined ? undefined : `address:${address}`;
    },
  });
}
