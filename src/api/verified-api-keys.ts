import { hashApiKey, looksLikeApiKey } from '../crypto/api-keys';
import type { Db } from '../db/client';
import { findActiveApiKey } from '../db/repositories/api-keys';

export interface ApiKeyPrincipal {
  id: string;
  workspaceId: string;
}

/**
 * Active API keys as found recently, so that a client reading in a loop costs one key lookup (and
 * one last-use write) per key every `ttlMs`, not one per request. A revocation through this
 * process forgets them all at once (`forgetAll`); one through another API process reaches this one
 * within `ttlMs` (docs/security.md, "API keys"). Unknown and revoked keys are never remembered.
 */
export interface VerifiedApiKeys {
  /** The active key presented, or undefined; from memory when it was found active less than `ttlMs` ago. */
  find(key: string): Promise<ApiKeyPrincipal | undefined>;
  /** Called after a revocation: the next request of every key looks it up again. */
  forgetAll(): void;
}

/** How long a key found active is believed to be: the longest a revocation elsewhere takes to apply here. */
export const verifiedApiKeyTtlMs = 5_000;
/** Keys remembered at most; past it, expired ones are dropped, then all (the next lookups refill it). */
const maxRemembered = 10_000;

export function createVerifiedApiKeys(deps: { db: Db; ttlMs?: number; now?: () => number }): VerifiedApiKeys {
  const ttlMs = deps.ttlMs ?? verifiedApiKeyTtlMs;
  const now = deps.now ?? (() => performance.now());
  // By the key's hash (the key itself is not kept); the lookup's promise, so concurrent requests share it.
  const remembered = new Map<string, { principal: Promise<ApiKeyPrincipal | undefined>; until: number }>();

  const makeRoom = (at: number) => {
    if (remembered.size < maxRemembered) return;
    for (const [hash, entry] of remembered) if (entry.until <= at) remembered.delete(hash);
    if (remembered.size >= maxRemembered) remembered.clear();
  };

  return {
    find(key) {
      // A malformed key costs no query and takes no room.
      if (!looksLikeApiKey(key)) return Promise.resolve(undefined);
      const at = now();
      const hash = hashApiKey(key);
      const known = remembered.get(hash);
      if (known && known.until > at) return known.principal;
      makeRoom(at);
      const entry = { principal: findActiveApiKey(deps.db, key), until: at + ttlMs };
      remembered.set(hash, entry);
      const forget = () => {
        if (remembered.get(hash) === entry) remembered.delete(hash);
      };
      entry.principal.then((principal) => {
        if (!principal) forget();
      }, forget);
      return entry.principal;
    },
    forgetAll() {
      remembered.clear();
    },
  };
}
