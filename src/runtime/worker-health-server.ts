import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { bearerTokenMatcher } from '../crypto/bearer-token';

export interface WorkerHealthServer {
  url: string;
  close(): Promise<void>;
}

/** What the worker's `/metrics` serves: its own series, then the Temporal SDK's relayed from its exporter. */
export interface WorkerMetricsEndpoint {
  registry: Registry;
  /** The SDK's Prometheus exporter on loopback (TEMPORAL_SDK_METRICS_PORT); left out when unset. */
  sdkMetricsUrl?: string;
  /** METRICS_TOKEN: a scrape must send it as a Bearer token when set. */
  token?: string;
}

/** A slow SDK exporter must not stall the scrape; its series are left out of that one instead. */
const sdkScrapeTimeoutMs = 2_000;

/**
 * The worker's health port: `/healthz` while the process lives, `/readyz` once the worker polls its
 * task queue (and no longer while it drains on shutdown), for orchestrators and the image's
 * HEALTHCHECK; `/metrics` for Prometheus when given an endpoint.
 */
export function startWorkerHealthServer(options: { host: string; port: number; polling: () => boolean; metrics?: WorkerMetricsEndpoint }): Promise<WorkerHealthServer> {
  const { metrics } = options;
  // Open without METRICS_TOKEN, like /healthz: the port is for the cluster's network only.
  const authorized = metrics?.token === undefined ? () => true : bearerTokenMatcher(metrics.token);
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const answer = (status: number, body: Record<string, string>) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'GET') return answer(405, { error: 'GET only' });
    if (path === '/healthz') return answer(200, { status: 'ok' });
    if (path === '/readyz') return options.polling() ? answer(200, { status: 'ready' }) : answer(503, { status: 'not_ready' });
    if (path === '/metrics' && metrics) {
      if (!authorized(request.headers.authorization)) return answer(401, { error: 'send the METRICS_TOKEN as "Authorization: Bearer <token>"' });
      return void scrape(metrics).then(
        (body) => {
          response.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
          response.end(body);
        },
        () => answer(500, { error: 'metrics unavailable' }),
      );
    }
    return answer(404, { error: `not found: /healthz, /readyz${metrics ? ' or /metrics' : ''}` });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`WORKER_HEALTH_PORT: port ${options.port} is already in use; set it to a free port`) : error),
    );
    server.listen(options.port, options.host, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

async function scrape(metrics: WorkerMetricsEndpoint): Promise<string> {
  const own = await metrics.registry.metrics();
  if (metrics.sdkMetricsUrl === undefined) return own;
  const sdk = await fetch(metrics.sdkMetricsUrl, { signal: AbortSignal.timeout(sdkScrapeTimeoutMs) })
    .then((response) => (response.ok ? response.text() : ''))
    .catch(() => '');
  return own.endsWith('\n') || own === '' ? own + sdk : `${own}\n${sdk}`;
}
