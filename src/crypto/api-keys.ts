// API keys for the REST API. Only the hash is stored; the key is shown once, at creation.
//
// No constant-time comparison is needed: the API finds a key by looking up hashApiKey(presented)
// in a unique index, and timing differences there reveal at most something about hashes, which
// does not help anyone find a key that produces one.
import { createHash, randomBytes } from 'node:crypto';

export interface GeneratedApiKey {
  /** The full key: give it to the caller once, never store or log it. */
  key: string;
  /** Non-secret start of the key, stored and shown so people can tell their keys apart. */
  prefix: string;
  /** What is stored: hashApiKey(key). */
  hash: string;
}

// A recognisable marker makes leaked keys easy to spot (secret scanners, logs); 'live' leaves room
// for other kinds of keys later.
const KEY_MARKER = 'mi_live_';
const SECRET_BYTES = 32; // 256 random bits → 43 base64url characters
const API_KEY = /^mi_live_[A-Za-z0-9_-]{43}$/;
// The marker plus 4 random characters (24 of the 256 bits): enough to tell a workspace's keys apart.
const PREFIX_LENGTH = 12;

export function generateApiKey(): GeneratedApiKey {
  const key = KEY_MARKER + randomBytes(SECRET_BYTES).toString('base64url');
  return { key, prefix: apiKeyPrefix(key), hash: hashApiKey(key) };
}

/**
 * SHA-256, hex. A fast unsalted hash is right here (unlike for passwords): keys are 256 random
 * bits, so there is nothing to guess or precompute, and the hash must be deterministic so the
 * API can look a key up by it.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The part of a key that may be shown and logged. */
export function apiKeyPrefix(key: string): string {
  return key.slice(0, PREFIX_LENGTH);
}

/** Shape check before any database work, so malformed credentials get a clear 401 cheaply. */
export function looksLikeApiKey(s: unknown): s is string {
  return typeof s === 'string' && API_KEY.test(s);
}
