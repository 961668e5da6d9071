import type { MiddlewareHandler } from 'hono';
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

/** Above this many buckets, full ones are dropped: a full bucket is the same as no bucket. */
const sweepAbove = 10_000;

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

  const refilled = (bucket: Bucket, at: number): number => Math.min(capacity, bucket.tokens + (at - bucket.at) * refillPerMs);

  return {
    take(key) {
      const at = now();
      if (buckets.size > sweepAbove) {
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

/**
 * Limits a route per API key (the authenticated principal's key id). Refusals are 429 problems
 * with Retry-After, logged with the key id (never the key).
 */
export function rateLimitedPerKey(limiter: RateLimiter, logger: Logger, what: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { apiKeyId, workspaceId } = c.get('principal');
    const result = limiter.take(apiKeyId);
    if (!result.allowed) {
      logger.warn({ requestId: c.get('requestId'), apiKeyId, workspaceId, path: c.req.path, retryAfterSeconds: result.retryAfterSeconds }, 'rate limited');
      const detail = `Too many ${what} with this API key; try again in ${result.retryAfterSeconds} s.`;
      return problemResponse(c, 'rate_limited', detail, [], { 'retry-after': String(result.retryAfterSeconds) });
    }
    await next();
  };
}
