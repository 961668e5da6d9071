import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app';
import { generateEncryptionKey } from '../../src/crypto/secret-box';
import { freePort } from '../../src/local/free-port';
import { apiDepsFor } from '../../src/runtime/services';
import { startWorkerHealthServer } from '../../src/runtime/worker-health-server';
import { parsePrometheusText, sampleValue, type Sample } from '../helpers/prometheus-text';
import { emulatorCredentials, startTestStack, type TestStack } from '../helpers/test-stack';
import { startWorkerProcess } from './workflow/worker-processes';
import { createIntegration, createMetric, eventuallyStatus, importRuns, testLogger } from './workflow/workflow-helpers';

const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const requests = 'metric_importer_http_request_duration_seconds_count';

/**
 * Acceptance 1 of issue 12: the API (this process) and a worker in its own OS process, wired like
 * src/cli/worker.ts with its health port and the Temporal SDK's exporter, each serve /metrics;
 * after real imports on the dev server both report the counts those imports produced.
 */
describe('Prometheus metrics on the API and the worker', () => {
  let stack: TestStack;
  let child: ChildProcess | undefined;
  let workerMetricsUrl: string;
  const encryptionKeys = `test:${generateEncryptionKey()}`;
  const taskQueue = `prometheus-${randomUUID()}`;

  beforeAll(async () => {
    stack = await startTestStack({ seed: 'test', taskQueue, startWorker: false, encryptionKeys, logger: testLogger() });
    const [healthPort, sdkMetricsPort] = [await freePort(), await freePort()];
    child = await startWorkerProcess(stack, {
      encryptionKeys,
      taskQueue,
      env: { WORKER_HEALTH_PORT: String(healthPort), TEMPORAL_SDK_METRICS_PORT: String(sdkMetricsPort) },
    });
    workerMetricsUrl = `http://127.0.0.1:${healthPort}/metrics`;
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await stack?.stop();
  });

  const scrape = async (url: string): Promise<{ text: string; samples: Sample[] }> => {
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    return { text, samples: parsePrometheusText(text) };
  };
  const scrapeApi = () => scrape(`${stack.apiUrl}/metrics`);
  const metricsInState = (samples: Sample[], state: string) => sampleValue(samples, 'metric_importer_metrics', { state });

  it('counts a backfill, its rows, datapoints and Looker calls on the worker, and the requests and metric states on the API', async () => {
    // The states gauge counts every metric in the (shared) database: this test reads its changes.
    const before = (await scrapeApi()).samples;

    const integrationId = await createIntegration(stack);
    // Look 7: five rows, two of them with a null value and one with no date. Looker rate limits its
    // first run (Retry-After: 1 s), so the import succeeds on its second attempt.
    stack.emulator.control.addFault({ type: 'rate-limit', retryAfterSeconds: 1, count: 1, match: { path: '/looks/7/run/json' } });
    const metric = await createMetric(stack, integrationId, { lookId: '7', valueField: 'orders.average_order_value' });
    const imported = await eventuallyStatus(stack, metric.id, (s) => s.lastImport !== null, { timeoutMs: 60_000 });
    expect(imported).toMatchObject({ state: 'active', lastImport: { kind: 'backfill', succeeded: true } });
    const [run] = await importRuns(stack, metric.id);

    // A second metric whose Look Looker no longer finds: the import fails and the metric needs attention.
    stack.emulator.control.addFault({ type: 'error', status: 404, match: { path: '/looks/1/run/json' } });
    const broken = await createMetric(stack, integrationId);
    const failed = await eventuallyStatus(stack, broken.id, (s) => s.lastImport !== null, { timeoutMs: 60_000 });
    expect(failed).toMatchObject({ state: 'needs_attention', lastImport: { kind: 'backfill', succeeded: false } });

    const worker = await scrape(workerMetricsUrl);
    const w = (name: string, labels?: Record<string, string>) => sampleValue(worker.samples, `metric_importer_${name}`, labels);
    expect(w('imports_total', { kind: 'backfill', outcome: 'succeeded' })).toBe(1);
    expect(w('imports_total', { kind: 'backfill', outcome: 'failed' })).toBe(1);
    expect(w('imports_total')).toBe(2);
    expect(w('look_rows_read_total')).toBe(5);
    expect(run).toMatchObject({ rowsRead: 5, inserted: 2 });
    expect(w('datapoints_total', { change: 'inserted' })).toBe(run!.inserted);
    expect(w('datapoints_total', { change: 'updated' })).toBe(0);
    expect(w('datapoints_total', { change: 'deleted' })).toBe(0);
    expect(w('look_rows_skipped_total', { reason: 'null_value' })).toBe(2);
    expect(w('look_rows_skipped_total', { reason: 'missing_date' })).toBe(1);
    // The Look runs by endpoint template and outcome: the Look id is no label.
    const runs = (outcome: string) => w('looker_request_duration_seconds_count', { endpoint: 'GET /looks/{id}/run/json', outcome });
    expect([runs('ok'), runs('http_429'), runs('http_404')]).toEqual([1, 1, 1]);
    expect(w('looker_query_slot_wait_seconds_count', { outcome: 'acquired' })).toBe(3);
    // The rate limit was retried; the Look that is gone failed once, for good.
    expect(w('activity_failures_total', { activity: 'runLook', failure_type: 'LookerRateLimited', retryable: 'true' })).toBe(1);
    expect(w('activity_failures_total', { activity: 'runLook', failure_type: 'LookNotFound', retryable: 'false' })).toBe(1);
    expect(w('activity_failures_total')).toBe(2);
    // The Temporal SDK's own worker metrics, relayed from its exporter.
    const sdkNames = new Set(worker.samples.map((sample) => sample.name).filter((name) => name.startsWith('temporal_')));
    expect(sdkNames).toContain('temporal_worker_task_slots_available');
    expect(sdkNames).toContain('temporal_sticky_cache_size');
    expect(sdkNames).toContain('temporal_long_request_latency_seconds_bucket');
    expect(sampleValue(worker.samples, 'temporal_activity_execution_latency_seconds_count', { task_queue: taskQueue })).toBeGreaterThanOrEqual(4);

    const api = await scrapeApi();
    expect(sampleValue(api.samples, requests, { method: 'POST', route: '/v1/integrations', status: '201' })).toBe(1);
    expect(sampleValue(api.samples, requests, { method: 'POST', route: '/v1/metrics', status: '202' })).toBe(2);
    // The API checked the credentials and the Looks' fields, the worker ran the Looks: between
    // them, every request the emulator answered is counted once, under its endpoint template.
    const lookerCalls = 'metric_importer_looker_request_duration_seconds_count';
    const answered = new Map<string, number>();
    for (const [path, n] of Object.entries(stack.emulator.control.counters().requestsByPath)) {
      const endpoint = path.replace(/^(\w+ )\/looks\/(?!search$)[^/]+/, '$1/looks/{id}');
      answered.set(endpoint, (answered.get(endpoint) ?? 0) + n);
    }
    expect([...answered.keys()]).toEqual(expect.arrayContaining(['POST /login', 'GET /looks/{id}/run/json_detail', 'GET /looks/{id}/run/json']));
    for (const [endpoint, n] of answered) {
      expect(sampleValue(api.samples, lookerCalls, { endpoint }) + sampleValue(worker.samples, lookerCalls, { endpoint }), endpoint).toBe(n);
    }
    expect(sampleValue(api.samples, lookerCalls, { endpoint: 'GET /looks/{id}/run/json' })).toBe(0);
    expect(metricsInState(api.samples, 'active') - metricsInState(before, 'active')).toBe(1);
    expect(metricsInState(api.samples, 'needs_attention') - metricsInState(before, 'needs_attention')).toBe(1);
    expect(metricsInState(api.samples, 'backfilling') - metricsInState(before, 'backfilling')).toBe(0);

    // Neither scrape names a tenant's ids, keys or secrets.
    for (const text of [api.text, worker.text]) {
      for (const secret of [metric.id, broken.id, integrationId, stack.workspaceId, stack.apiKey, emulatorCredentials.clientSecret]) expect(text).not.toContain(secret);
    }
    for (const id of [metric.id, broken.id]) await stack.gateway.terminate(id, 'test done');
  }, 150_000);

  it('labels requests by route template, unknown paths as unmatched, and never carries an id', async () => {
    const id = randomUUID();
    expect((await stack.http('GET', `/v1/metrics/${id}`)).status).toBe(404);
    expect((await stack.http('DELETE', `/v1/metrics/${id}`, undefined, { apiKey: `mi_live_${'x'.repeat(43)}` })).status).toBe(401);
    expect((await fetch(`${stack.apiUrl}/no/such/${id}`)).status).toBe(404);

    const { text, samples } = await scrapeApi();
    expect(sampleValue(samples, requests, { method: 'GET', route: '/v1/metrics/:id', status: '404' })).toBe(1);
    expect(sampleValue(samples, requests, { method: 'DELETE', route: '/v1/metrics/:id', status: '401' })).toBe(1);
    expect(sampleValue(samples, requests, { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(text).not.toContain(id);
    const ours = samples.filter((sample) => sample.name.startsWith('metric_importer_'));
    for (const sample of ours) for (const value of Object.values(sample.labels)) expect(value).not.toMatch(uuid);
  });

  it('asks for METRICS_TOKEN on the API and the worker health port when one is set', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const app = createApp(apiDepsFor(stack.services, { workflows: stack.gateway, temporalNamespace: 'default', metricsToken: token }));
    expect((await app.request('/metrics')).status).toBe(401);
    expect((await app.request('/metrics', { headers: { authorization: 'Bearer wrong-token-0123456789abcdef' } })).status).toBe(401);
    const allowed = await app.request('/metrics', { headers: { authorization: `Bearer ${token}` } });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('metric_importer_http_request_duration_seconds');

    const health = await startWorkerHealthServer({ host: '127.0.0.1', port: 0, polling: () => true, metrics: { registry: stack.services.prometheus.registry, token } });
    try {
      expect((await fetch(`${health.url}/metrics`)).status).toBe(401);
      const scraped = await fetch(`${health.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('metric_importer_imports_total');
    } finally {
      await health.close();
    }
  });
});
