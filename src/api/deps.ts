import type { SecretBox } from '../crypto/secret-box';
import type { Db } from '../db/client';
import type { MigrationState } from '../db/migration-status';
import type { LookerClientFactory } from '../looker/client-factory';
import type { Logger } from '../logger';
import type { PrometheusMetrics } from '../observability/prometheus';
import type { Registry } from 'prom-client';
import type { MetricWorkflowGateway } from '../temporal/metric-workflow-gateway';
import type { CodecEndpointSettings } from './codec-routes';
import type { RateLimits } from './rate-limit';

export interface ApiDeps {
  db: Db;
  secretBox: SecretBox;
  lookerClients: LookerClientFactory;
  workflows: MetricWorkflowGateway;
  logger: Logger;
  /** Hosts:ports the API may reach although private or loopback (LOOKER_ALLOWED_HOSTS). */
  lookerAllowedHosts: readonly string[];
  /** Base URL of the Temporal Web UI, for links from metric reads. */
  temporalUiUrl?: string;
  temporalNamespace: string;
  /** Enables /codec/decode and /codec/encode for the Temporal UI (CODEC_TOKEN set). */
  codecEndpoint?: CodecEndpointSettings;
  /** Enables the admin routes that create workspaces and their first key. */
  adminToken?: string;
  /**
   * Per address, per API key, for the admin routes, and for the routes that contact a tenant's
   * Looker host to check credentials (each a probe of an address the tenant chose).
   */
  rateLimits: RateLimits;
  /** Proxies in front of the API that append to X-Forwarded-For (TRUST_PROXY_HOPS); 0 = use the socket's address. */
  trustProxyHops: number;
  /**
   * Local mode only: a one-time link signs the browser in to the demo workspace with this key.
   * Production never sets it.
   */
  consoleLocalSignIn?: { token: string; apiKey: string };
  /** The process's Prometheus series (the API records its HTTP requests there). */
  prometheus: PrometheusMetrics;
  /** What GET /metrics serves, and the METRICS_TOKEN a scrape must send when set. */
  metricsEndpoint: { registry: Registry; token?: string };
  /** Readiness probes for /readyz. */
  probes: { postgres(): Promise<boolean>; temporal(): Promise<boolean>; migrations(): Promise<MigrationState | 'unknown'> };
}
