import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { metrics } from '../../src/db/schema';
import type { E2eStack } from './stack';
import { metricSource } from './looks-seed';
import { percentile } from './pool';
import { withProgress } from './ticker';

export interface LoadFigures {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface ApiFigures {
  datapoints: number;
  responseBytes: number;
  connections: number;
  seconds: number;
  ours: LoadFigures;
  bare: LoadFigures;
  /** Our p99 ÷ the bare route's p99, at the same load. */
  p99Ratio: number;
  throughputRatio: number;
}

/**
 * Scenario 4: GET /v1/metrics/{id}/datapoints for one metric with `years` years of daily
 * datapoints, the whole series in one page, under a closed-loop load of `connections` concurrent
 * requests; against a bare Hono route on the same node server answering the same bytes with no
 * auth and no database. The two alternate in rounds so a busy moment on the box hits both.
 */
export async function measureApiReads(stack: E2eStack, options: { years: number; connections: number; seconds: number; rounds: number }): Promise<ApiFigures> {
  const { db, sql } = stack.services.database;
  const [metric] = await db
    .insert(metrics)
    .values({ workspaceId: stack.workspaceId, integrationId: stack.integrationId, name: 'bench api reads', ...metricSource(0, 1), state: 'active' })
    .returning({ id: metrics.id });
  const metricId = metric!.id;
  const days = Math.round(options.years * 365.25);
  // Datapoints need an import run id; the read path never looks at it.
  await sql`
    insert into datapoints (metric_id, date, value, import_run_id)
    select ${metricId}, d::date, round((1000 + 200 * sin(extract(epoch from d) / 86400 / 7))::numeric, 2), gen_random_uuid()
    from generate_series(current_date - ${days - 1}::int, current_date, interval '1 day') as d`;
  const path = `/v1/metrics/${metricId}/datapoints?limit=10000`;
  const body = JSON.stringify(await stack.api.call('GET', path));

  const bare = new Hono();
  bare.get('/bare', (c) => c.body(body, 200, { 'content-type': 'application/json' }));
  const bareServer = await serveBare(bare);
  try {
    const oursTarget = { origin: stack.api.origin, path, headers: stack.api.headers };
    const bareTarget = { origin: bareServer.url, path: '/bare', headers: {} };
    const ours: number[][] = [];
    const baseline: number[][] = [];
    let label = '';
    await withProgress('API reads', () => label, async () => {
      for (let round = 0; round < options.rounds; round++) {
        label = `round ${round + 1}/${options.rounds}: ours`;
        ours.push(await closedLoop(oursTarget, options.connections, options.seconds * 1000));
        label = `round ${round + 1}/${options.rounds}: bare route`;
        baseline.push(await closedLoop(bareTarget, options.connections, options.seconds * 1000));
      }
    });
    const summarise = (runs: number[][]): LoadFigures => {
      const all = runs.flat();
      return {
        requests: all.length,
        requestsPerSecond: all.length / (options.seconds * options.rounds),
        p50Ms: percentile(all, 50),
        p99Ms: percentile(all, 99),
      };
    };
    const oursFigures = summarise(ours);
    const bareFigures = summarise(baseline);
    return {
      datapoints: days,
      responseBytes: Buffer.byteLength(body),
      connections: options.connections,
      seconds: options.seconds * options.rounds,
      ours: oursFigures,
      bare: bareFigures,
      p99Ratio: oursFigures.p99Ms / bareFigures.p99Ms,
      throughputRatio: oursFigures.requestsPerSecond / bareFigures.requestsPerSecond,
    };
  } finally {
    await bareServer.close();
  }
}

/** `connections` loops each sending the next request when the last answered, for `durationMs`; latencies in ms. */
async function closedLoop(target: { origin: string; path: string; headers: Record<string, string> }, connections: number, durationMs: number): Promise<number[]> {
  const pool = new Pool(target.origin, { connections });
  const latencies: number[] = [];
  const until = performance.now() + durationMs;
  try {
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < until) {
          const began = performance.now();
          const response = await pool.request({ method: 'GET', path: target.path, headers: target.headers });
          await response.body.text();
          if (response.statusCode !== 200) throw new Error(`GET ${target.path} answered HTTP ${response.statusCode}`);
          latencies.push(performance.now() - began);
        }
      }),
    );
  } finally {
    await pool.close();
  }
  return latencies;
}

function serveBare(app: Hono): Promise<{ url: string; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server: ServerType = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            (server as ServerType & { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
  });
}
