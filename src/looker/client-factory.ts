import { eq } from 'drizzle-orm';
import type { Dispatcher } from 'undici';
import type { SecretBox } from '../crypto/secret-box';
import type { Db } from '../db/client';
import { integrations } from '../db/schema';
import { defaultRequestTimeoutMs, LookerClient, type LookerRequestObserver, type LookFieldsCache } from './client';
import { createLookFieldsCache } from './look-fields-cache';
import { createPostgresTokenStore, tokenAad, type TokenBinding } from './postgres-token-store';
import type { QuerySlots } from './query-slots';
import { createMemoryTokenStore, type TokenStore } from './token-store';

export interface LookerCredentials {
  apiEndpoint: string;
  clientId: string;
  clientSecret: string;
}

export interface LookerClientFactory {
  /** A client for a saved integration; its token lives in the shared Postgres store. */
  forIntegration(integrationId: string): Promise<LookerClient | undefined>;
  /** A client for credentials not saved yet (testing them before saving). */
  forCredentials(credentials: LookerCredentials): LookerClient;
}

/** Where the integration's client secret is decrypted: only inside the process that calls Looker. */
export function clientSecretAad(integrationId: string): string {
  return `integration-secret:${integrationId}`;
}

export function createLookerClientFactory(deps: {
  db: Db;
  secretBox: SecretBox;
  dispatcher: Dispatcher;
  requestTimeoutMs?: number;
  runTimeoutMs?: number;
  /** Caps each saved integration's concurrent Looker queries over all workers; uncapped without. */
  querySlots?: QuerySlots;
  /** Told of every HTTP call any of its clients makes to Looker. */
  onLookerRequest?: LookerRequestObserver;
}): LookerClientFactory {
  const timeouts = { requestTimeoutMs: deps.requestTimeoutMs, runTimeoutMs: deps.runTimeoutMs, onRequest: deps.onLookerRequest };
  // A login holds its lease at most its own timeout; the slack covers storing the token.
  const leaseMs = (deps.requestTimeoutMs ?? defaultRequestTimeoutMs) + 10_000;
  // One store per (integration, endpoint, client id) for the whole process, so concurrent
  // activities join one refresh (one lease, one login), and a client built after the endpoint
  // changed never joins a login still running against the old one.
  const tokenStores = new Map<string, TokenStore>();
  const tokenStoreFor = (binding: TokenBinding): TokenStore => {
    const storeKey = tokenAad(binding);
    let store = tokenStores.get(storeKey);
    if (!store) {
      store = createPostgresTokenStore({ db: deps.db, secretBox: deps.secretBox, binding, leaseMs });
      tokenStores.set(storeKey, store);
    }
    return store;
  };
  // Field metadata per binding, like the token stores: changed credentials start an empty cache.
  const fieldsCaches = new Map<string, LookFieldsCache>();
  const fieldsCacheFor = (binding: TokenBinding): LookFieldsCache => {
    const cacheKey = tokenAad(binding);
    let cache = fieldsCaches.get(cacheKey);
    if (!cache) {
      cache = createLookFieldsCache();
      fieldsCaches.set(cacheKey, cache);
    }
    return cache;
  };
  return {
    async forIntegration(integrationId) {
      const [row] = await deps.db.select().from(integrations).where(eq(integrations.id, integrationId));
      if (!row) return undefined;
      const binding = { integrationId: row.id, apiEndpoint: row.apiEndpoint, clientId: row.clientId };
      return new LookerClient({
        apiEndpoint: row.apiEndpoint,
        clientId: row.clientId,
        clientSecret: deps.secretBox.decrypt(row.clientSecretSealed, clientSecretAad(row.id)),
        dispatcher: deps.dispatcher,
        tokenStore: tokenStoreFor(binding),
        fieldsCache: fieldsCacheFor(binding),
        queryGate: deps.querySlots?.gate(row.id),
        ...timeouts,
      });
    },
    forCredentials(credentials) {
      return new LookerClient({ ...credentials, dispatcher: deps.dispatcher, tokenStore: createMemoryTokenStore(), ...timeouts });
    },
  };
}
