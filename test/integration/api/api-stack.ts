import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { eq, sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { metrics } from '../../../src/db/schema';
import { freePort } from '../../../src/local/free-port';
import { createLogger } from '../../../src/logger';
import { eventually } from '../../helpers/eventually';
import { devServerNow, importTimeAhead } from '../../helpers/test-clock';
import { emulatorCredentials, startTestStack, type HttpResult, type TestStack } from '../../helpers/test-stack';
import { assertMatchesContract } from './response-contract';

export { emulatorCredentials };

export const adminToken = 'admin-token-for-api-tests-0123456789';
/** A client secret Looker rejects; like the real one, it must never show up anywhere. */
export const wrongSecret = 'wrong-secret-5f0e2c9a71b34d8e';
/** Every client secret the API tests send. */
export const clientSecrets = [emulatorCredentials.clientSecret, wrongSecret];

interface RequestOptions {
  apiKey?: string;
  headers?: Record<string, string>;
}

export interface ApiTestStack {
  stack: TestStack;
  /** Like stack.http, and every answer is checked against the route's documented contract. */
  http<T = unknown>(method: string, path: string, body?: unknown, options?: RequestOptions): Promise<HttpResult<T>>;
  /** Everything the service logged so far, at trace level, as JSON lines. */
  logs(): string;
  /** Loopback servers that are not Looker, allow-listed like the emulator; `requests` counts what reached them. */
  strangers: { closedPortUrl: string; htmlUrl: string; json404Url: string; requests(): number };
  /** Stops everything, then asserts the service never logged a client secret (every API test file gets this check). */
  stop(): Promise<void>;
}

/**
 * The full stack for API tests: the service logs into a buffer (tests search it for secrets),
 * ADMIN_TOKEN is set, and three loopback addresses that are not Looker are allow-listed so the
 * credential test can tell their failures apart.
 */
export async function startApiTestStack(): Promise<ApiTestStack> {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const closedPort = await freePort();
  let strangerRequests = 0;
  const html = await listen((_request, response) => {
    strangerRequests += 1;
    response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Welcome to nginx!</title>');
  });
  const json404 = await listen((_request, response) => {
    strangerRequests += 1;
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not Found","status":404}');
  });
  const stack = await startTestStack({
    logger: createLogger({ level: 'trace', destination: sink }),
    adminToken,
    lookerAllowedHosts: [`127.0.0.1:${closedPort}`, `127.0.0.1:${port(html)}`, `127.0.0.1:${port(json404)}`],
  });
  const http: ApiTestStack['http'] = async (method, path, body, options) => {
    const result = await stack.http<never>(method, path, body, options);
    assertMatchesContract(stack.app, method, path, { status: result.status, contentType: result.headers.get('content-type'), body: result.body, text: result.text });
    return result;
  };
  return {
    stack,
    http,
    logs: () => chunks.join(''),
    strangers: {
      closedPortUrl: `http://127.0.0.1:${closedPort}`,
      htmlUrl: `http://127.0.0.1:${port(html)}`,
      json404Url: `http://127.0.0.1:${port(json404)}`,
      requests: () => strangerRequests,
    },
    stop: async () => {
      await stack.stop();
      await Promise.all([html, json404].map((server) => new Promise((resolve) => server.close(resolve))));
      const logs = chunks.join('');
      for (const secret of clientSecrets) expect(logs.includes(secret), 'a client secret appears in the service logs').toBe(false);
    },
  };
}

function listen(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function port(server: Server): number {
  return (server.address() as AddressInfo).port;
}

export interface Integration {
  id: string;
  name: string;
  apiEndpoint: string;
  clientId: string;
  hasClientSecret: true;
  maxConcurrentQueries: number;
  lastCheck: { at: string; ok: boolean; message: string | null } | null;
}

export interface Metric {
  id: string;
  name: string;
  integrationId: string;
  lookId: string;
  dateField: string;
  valueField: string;
  importTime: string;
  timeZone: string;
  state: string;
  workflowId: string;
}

export interface MetricDetail extends Metric {
  importing: boolean | null;
  lastImport: { importRunId: string; kind: string; succeeded: boolean } | null;
  nextImportAt: string | null;
  lastError: string | null;
  temporal: 'live' | 'unavailable' | 'workflow_missing';
  temporalUiUrl: string | null;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface Problem {
  status: number;
  code: string;
  detail: string;
  requestId: string;
  errors?: { pointer: string; message: string }[];
}

export async function createIntegration(api: ApiTestStack, name = 'Emulated Looker', options: RequestOptions = {}): Promise<Integration> {
  const created = await api.http<Integration>('POST', '/v1/integrations', { name, apiEndpoint: api.stack.emulator.url, ...emulatorCredentials }, options);
  expect(created.status).toBe(201);
  return created.body;
}

export const dailyRevenue = { lookId: '1', dateField: 'orders.created_date', valueField: 'orders.total_revenue' };

export async function createMetric(
  api: ApiTestStack,
  integrationId: string,
  overrides: Partial<{ name: string; lookId: string; dateField: string; valueField: string; importTime: string; timeZone: string }> = {},
  options: RequestOptions = {},
): Promise<Metric> {
  // Unless the test picks one, an import time twelve hours ahead: none comes due during the test.
  const importTime = importTimeAhead(devServerNow(), overrides.timeZone ?? 'UTC');
  const created = await api.http<Metric>('POST', '/v1/metrics', { name: 'Daily revenue', integrationId, ...dailyRevenue, importTime, ...overrides }, options);
  expect(created.status).toBe(202);
  return created.body;
}

/**
 * Waits until the metric's latest import has finished and the workflow has stored its next import
 * time, i.e. until nothing changes in the background before the next import is due.
 */
export async function waitUntilSettled(api: ApiTestStack, metricId: string, options: RequestOptions = {}): Promise<MetricDetail> {
  const { db } = api.stack.services.database;
  return eventually(async () => {
    const metric = await api.http<MetricDetail>('GET', `/v1/metrics/${metricId}`, undefined, options);
    const [stored] = await db.select({ nextImportAt: metrics.nextImportAt }).from(metrics).where(eq(metrics.id, metricId));
    // Paused metrics have no next import; others are settled once it is computed and stored.
    const nextKnown = metric.body.state === 'paused' || metric.body.nextImportAt !== null;
    const settled =
      metric.body.lastImport && !metric.body.importing && nextKnown && (stored?.nextImportAt?.toISOString() ?? null) === metric.body.nextImportAt;
    return settled ? metric.body : undefined;
  });
}

/**
 * Every row of every table, for "nothing stored changed" checks. api_keys.last_used_at is left
 * out: each authenticated request updates it by design.
 */
export async function snapshotDatabase(api: ApiTestStack): Promise<Record<string, unknown[]>> {
  const { db } = api.stack.services.database;
  const tables = await db.execute<{ table_name: string }>(
    sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
  );
  const snapshot: Record<string, unknown[]> = {};
  for (const { table_name: table } of tables) {
    const [result] = await db.execute<{ rows: Record<string, unknown>[] }>(
      sql`select coalesce(json_agg(to_jsonb(t) - 'last_used_at' order by to_jsonb(t)::text), '[]'::json) as rows from ${sql.identifier(table)} t`,
    );
    snapshot[table] = result!.rows;
  }
  return snapshot;
}
