import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger';
import { stop } from '../../src/shared/messages';
import { ImportStateKey } from '../../src/shared/search-attributes';
import { startTracing, type Tracing } from '../../src/telemetry/tracing';
import { eventually } from '../helpers/eventually';
import { devServerNow, importTimeAhead } from '../helpers/test-clock';
import { emulatorCredentials, startTestStack, type TestStack } from '../helpers/test-stack';

/** A span as OTLP/HTTP JSON carries it (ids in hex). */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: Record<string, unknown> }[];
}

const serverKind = 2;

/**
 * Acceptance 2 (issue 12): with OTEL_EXPORTER_OTLP_ENDPOINT at a collector, one metric create is
 * one trace: the API request, the workflow start, the workflow, its activities, the Looker run and
 * the datapoint upsert, each span the child of the one before. The stand-in collector is a plain
 * HTTP server on loopback that keeps what the OTLP/HTTP JSON exporter posts.
 */
describe('tracing', () => {
  let collector: { url: string; bodies: string[]; server: Server };
  let tracing: Tracing;
  let stack: TestStack;
  const logLines: string[] = [];

  beforeAll(async () => {
    collector = await startCollector();
    tracing = startTracing({ endpoint: collector.url, serviceName: 'metric-importer-tracing-test' }, 'unused')!;
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => logLines.push(line) } });
    stack = await startTestStack({ tracing, logger });
  });
  afterAll(async () => {
    await stack?.stop();
    await tracing?.shutdown();
    await new Promise((done) => collector?.server.close(done));
  });

  it('follows one metric create from the API request through the workflow and its activities to Looker and the upsert', async () => {
    const integration = await stack.http<{ id: string }>('POST', '/v1/integrations', { name: 'Traced Looker', apiEndpoint: stack.emulator.url, ...emulatorCredentials });
    expect(integration.status).toBe(201);
    const created = await stack.http<{ id: string; workflowId: string }>('POST', '/v1/metrics', {
      name: 'Traced revenue',
      integrationId: integration.body.id,
      lookId: '1',
      dateField: 'orders.created_date',
      valueField: 'orders.total_revenue',
      importTime: importTimeAhead(devServerNow(), 'UTC'),
      timeZone: 'UTC',
    });
    expect(created.status).toBe(202);
    const requestId = created.headers.get('x-request-id');
    expect(requestId).toBeTruthy();

    const handle = stack.client.workflow.getHandle(created.body.workflowId);
    await eventually(async () => ((await handle.describe()).typedSearchAttributes.get(ImportStateKey) === 'active' ? true : undefined));
    const points = await stack.http<{ data: { value: string }[] }>('GET', `/v1/metrics/${created.body.id}/datapoints?limit=20`);
    expect(points.body.data.length).toBeGreaterThan(0);
    // The workflow span ends with the run: stop it, so every span of the trace has been exported.
    await handle.signal(stop);
    await handle.result();

    const request = await eventually(async () => {
      await tracing.spanProcessor.forceFlush();
      return spansOf(collector.bodies).find((span) => span.kind === serverKind && span.name === 'POST /v1/metrics');
    });
    const trace = await eventually(async () => {
      await tracing.spanProcessor.forceFlush();
      const spans = spansOf(collector.bodies).filter((span) => span.traceId === request.traceId);
      return spans.some((span) => span.name === 'RunWorkflow:metricImportWorkflow') && spans.some((span) => span.name === 'Upsert datapoints') ? spans : undefined;
    });

    expect(attribute(request, 'http.route')).toBe('/v1/metrics');
    expect(attribute(request, 'http.response.status_code')).toBe(202);
    expect(attribute(request, 'request.id')).toBe(requestId);

    // One tree: the request is its only root and every other span's parent is in the trace.
    const byId = new Map(trace.map((span) => [span.spanId, span]));
    expect(trace.filter((span) => !span.parentSpanId)).toEqual([request]);
    for (const span of trace) if (span.parentSpanId) expect(byId.has(span.parentSpanId), `parent of ${span.name}`).toBe(true);
    const ancestry = (span: OtlpSpan): string[] => {
      const names: string[] = [];
      for (let parent = byId.get(span.parentSpanId ?? ''); parent; parent = byId.get(parent.parentSpanId ?? '')) names.push(parent.name);
      return names;
    };

    const lookRun = trace.find((span) => span.name === 'Looker GET /looks/{look_id}/run/json');
    expect(lookRun, 'the Look run').toBeDefined();
    expect(attribute(lookRun!, 'http.response.status_code')).toBe(200);
    expect(ancestry(lookRun!)).toEqual(
      expect.arrayContaining(['RunActivity:runLook', 'StartActivity:runLook', 'RunWorkflow:metricImportWorkflow', 'StartWorkflow:metricImportWorkflow', 'POST /v1/metrics']),
    );
    const upsert = trace.find((span) => span.name === 'Upsert datapoints')!;
    const [stored] = await stack.services.database.db.execute<{ count: number }>(sql`select count(*)::int as count from datapoints where metric_id = ${created.body.id}`);
    expect(attribute(upsert, 'datapoints.inserted')).toBe(stored!.count);
    expect(ancestry(upsert).slice(0, 2)).toEqual(['RunActivity:upsertDatapoints', 'StartActivity:upsertDatapoints']);
    expect(ancestry(upsert)).toContain('POST /v1/metrics');
    // Nothing of the import went to another trace (the integration's credential check is a request, and trace, of its own).
    const elsewhere = spansOf(collector.bodies).filter((span) => span.traceId !== request.traceId);
    const importSpan = /^(RunActivity|StartActivity|RunWorkflow|Upsert datapoints$|Looker GET \/looks\/\{look_id\}\/run\/json$)/;
    expect(elsewhere.filter((span) => importSpan.test(span.name)).map((span) => span.name)).toEqual([]);
    // Only the run's own trace: the stop signal (sent by this test, outside any request) starts another.
    expect(trace.filter((span) => span.name === 'RunWorkflow:metricImportWorkflow')).toHaveLength(1);

    // No secret, token, Look field or datapoint value in anything exported.
    const exported = collector.bodies.join('\n');
    for (const secret of [emulatorCredentials.clientSecret, stack.apiKey, 'Bearer', 'orders.total_revenue', 'orders.created_date', stack.payloadKeys.split(':')[1]!]) {
      expect(exported).not.toContain(secret);
    }
    for (const point of points.body.data.filter((p) => p.value.includes('.'))) expect(exported).not.toContain(point.value);

    // The request's log line carries its request id and its trace id.
    const requestLog = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.msg === 'request' && line.requestId === requestId);
    expect(requestLog).toMatchObject({ path: '/v1/metrics', status: 202, traceId: request.traceId });
  });
});

function spansOf(bodies: string[]): OtlpSpan[] {
  return bodies.flatMap((body) => {
    const parsed = JSON.parse(body) as { resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[] };
    return (parsed.resourceSpans ?? []).flatMap((resource) => (resource.scopeSpans ?? []).flatMap((scope) => scope.spans ?? []));
  });
}

function attribute(span: OtlpSpan, key: string): unknown {
  const value = span.attributes?.find((entry) => entry.key === key)?.value;
  if (!value) return undefined;
  if ('intValue' in value) return Number(value.intValue);
  return Object.values(value)[0];
}

async function startCollector(): Promise<{ url: string; bodies: string[]; server: Server }> {
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/v1/traces') bodies.push(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, server };
}
