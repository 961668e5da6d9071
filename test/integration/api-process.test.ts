import { connect } from 'node:net';
import { WorkflowNotFoundError } from '@temporalio/client';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateEncryptionKey } from '../../src/crypto/secret-box';
import { createDatabase, type Database } from '../../src/db/client';
import { runMigrations } from '../../src/db/migrate';
import { createWorkspaceWithKey } from '../../src/db/repositories/workspaces';
import { metrics } from '../../src/db/schema';
import { startLookerEmulator, type LookerEmulator } from '../../src/looker-emulator';
import { metricWorkflowId } from '../../src/shared/ids';
import { connectTemporalClient } from '../../src/temporal/connection';
import { createMetricWorkflowGateway, type MetricWorkflowGateway } from '../../src/temporal/metric-workflow-gateway';
import { parsePayloadKeys } from '../../src/temporal/payload-codec';
import { eventually } from '../helpers/eventually';
import { devServerNow, emulatorClock, importTimeAhead } from '../helpers/test-clock';
import { createTestDatabase } from '../helpers/test-database';
import { startTcpGate } from '../helpers/tcp-gate';
import { startApiProcess, type ApiProcess } from '../helpers/api-process';

/** The entry points' shutdown grace (src/cli/run-main.ts): past it the process exits 1. */
const shutdownGraceMs = 9_000;

interface Answer {
  status: number;
  body: string;
}

/**
 * A request the server has surely taken: the headers go with `Expect: 100-continue` and the server's
 * `100 Continue` proves it parsed them; the body waits for `send()`. One connection per request.
 */
async function heldRequest(url: string, method: string, route: string, headers: Record<string, string>, body: string): Promise<{ send(): Promise<Answer> }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = Buffer.alloc(0);
  let onData = () => {};
  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    onData();
  });
  const ended = new Promise<Buffer>((resolve, reject) => {
    socket.once('end', () => resolve(received));
    socket.once('error', reject);
  });
  const head = [`${method} ${route} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: close', 'Expect: 100-continue', `Content-Length: ${Buffer.byteLength(body)}`]
    .concat(Object.entries(headers).map(([name, value]) => `${name}: ${value}`))
    .join('\r\n');
  socket.write(`${head}\r\n\r\n`);
  const continued = '100 Continue\r\n\r\n';
  await new Promise<void>((resolve, reject) => {
    onData = () => received.includes(continued) && resolve();
    onData();
    ended.then(() => reject(new Error('closed before 100 Continue')), reject);
  });
  received = received.subarray(received.indexOf(continued) + continued.length);
  return {
    send: async () => {
      socket.write(body);
      return parseResponse(await ended);
    },
  };
}

/** A complete HTTP/1.1 response (content-length or chunked); throws on a truncated one. */
function parseResponse(raw: Buffer): Answer {
  const text = raw.toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) throw new Error('truncated response: no end of headers');
  const [statusLine, ...headerLines] = text.slice(0, split).split('\r\n');
  const headers = new Map(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  let rest = text.slice(split + 4);
  let body = '';
  if (headers.get('transfer-encoding') === 'chunked') {
    for (;;) {
      const lineEnd = rest.indexOf('\r\n');
      const size = lineEnd < 0 ? NaN : parseInt(rest.slice(0, lineEnd), 16);
      if (Number.isNaN(size)) throw new Error('truncated response: bad chunk');
      if (size === 0) break;
      body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
      rest = rest.slice(lineEnd + 2 + size + 2);
    }
  } else {
    body = rest;
    if (Buffer.byteLength(body) !== Number(headers.get('content-length'))) throw new Error('truncated response: body shorter than its length');
  }
  return { status: Number(statusLine!.split(' ')[1]), body };
}

describe('the API process under a burst', () => {
  let testDatabase: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let database: Database;
  let emulator: LookerEmulator;
  let temporal: Awaited<ReturnType<typeof connectTemporalClient>>;
  let gateway: MetricWorkflowGateway;
  let env: Record<string, string>;
  let workspaceId: string;
  let apiKey: string;
  let integrationId: string;
  const running: ApiProcess[] = [];

  beforeAll(async () => {
    const server = new URL(inject('databaseUrl'));
    server.pathname = '/postgres';
    testDatabase = await createTestDatabase(server.toString());
    await runMigrations(testDatabase.url);
    database = createDatabase(testDatabase.url, { max: 2 });
    emulator = await startLookerEmulator({ clientId: 'burst-client', clientSecret: 'burst-secret-5e2a9c1d7b3f', now: emulatorClock() });
    const payloadKeys = `p1:${generateEncryptionKey()}`;
    temporal = await connectTemporalClient({ address: inject('temporalAddress'), namespace: 'default', payloadKeys: parsePayloadKeys(payloadKeys) });
    gateway = createMetricWorkflowGateway(temporal.client);
    env = {
      DATABASE_URL: testDatabase.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      ENCRYPTION_KEYS: `k1:${generateEncryptionKey()}`,
      TEMPORAL_PAYLOAD_KEYS: payloadKeys,
      LOOKER_ALLOWED_HOSTS: `127.0.0.1:${emulator.port}`,
      // The burst comes from one key and address; the limits have tests of their own.
      RATE_LIMIT_PER_ADDRESS: '100000',
      RATE_LIMIT_PER_KEY: '100000',
      LOOKER_CHECKS_PER_MINUTE: '100000',
      // No create is in flight when a test restarts the API, so nothing is too young to repair.
      WORKFLOW_RECONCILE_GRACE_SECONDS: '0',
      WORKFLOW_RECONCILE_INTERVAL_SECONDS: '0',
    };
    ({ workspaceId, apiKey } = await createWorkspaceWithKey(database.db, { name: 'API process burst' }));
    const api = await startApiProcess(env);
    running.push(api);
    const response = await fetch(`${api.url}/v1/integrations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Looker', apiEndpoint: emulator.url, clientId: 'burst-client', clientSecret: 'burst-secret-5e2a9c1d7b3f' }),
    });
    expect(response.status).toBe(201);
    integrationId = ((await response.json()) as { id: string }).id;
    api.child.kill('SIGTERM');
    expect(await api.exited).toEqual({ code: 0, signal: null });
  }, 120_000);

  afterAll(async () => {
    for (const api of running) if (api.child.exitCode === null && api.child.signalCode === null) api.child.kill('SIGKILL');
    // No worker ever runs these workflows; later tests on the dev server should not meet them.
    if (gateway) for (const metricId of await gateway.runningMetricIds([workspaceId])) await gateway.terminate(metricId, 'test cleanup');
    await temporal?.close();
    await emulator?.close();
    await database?.close();
    await testDatabase?.drop();
  });

  const createBody = (name: string) =>
    JSON.stringify({
      name,
      integrationId,
      lookId: '2',
      dateField: 'orders.created_week',
      valueField: 'orders.count',
      importTime: importTimeAhead(devServerNow(), 'UTC'),
    });
  const auth = () => ({ authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' });

  async function workflowStatus(metricId: string): Promise<string> {
    try {
      return (await temporal.client.workflow.getHandle(metricWorkflowId(metricId)).describe()).status.name;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return 'NONE';
      throw error;
    }
  }

  it('SIGKILL during a burst of creates: after a restart every metric has a running workflow, every workflow its metric, and every 202 its metric', async () => {
    // The API reaches Temporal through a gate, so the kill can land between a metric's row and
    // its workflow start: the start calls are on their way, held in the gate, when the process dies.
    const gate = await startTcpGate(inject('temporalAddress'));
    try {
      const api = await startApiProcess({ ...env, TEMPORAL_ADDRESS: gate.address });
      running.push(api);
      const create = (name: string) =>
        fetch(`${api.url}/v1/metrics`, { method: 'POST', headers: auth(), body: createBody(name) }).then(
          async (response) => ({ status: response.status, body: (await response.json()) as { id: string } }),
          (error: Error) => ({ status: 0, body: { id: '' }, error }),
        );
      const first = await Promise.all(Array.from({ length: 10 }, (_, i) => create(`burst ${i}`)));
      for (const answer of first) expect(answer.status).toBe(202);

      gate.hold();
      const rest = Array.from({ length: 30 }, (_, i) => create(`burst ${10 + i}`));
      // Every row is in; the thirty starts are held.
      await eventually(async () => ((await database.db.$count(metrics)) === 40 ? true : undefined));
      api.child.kill('SIGKILL');
      expect((await api.exited).signal).toBe('SIGKILL');
      gate.cut();
      gate.release();
      for (const answer of await Promise.all(rest)) expect(answer.status).toBe(0);

      const rowsAtKill = (await database.db.select({ id: metrics.id }).from(metrics)).map((row) => row.id).sort();
      const accepted = first.map((answer) => answer.body.id);
      const withoutWorkflow = [];
      for (const id of rowsAtKill) if ((await workflowStatus(id)) !== 'RUNNING') withoutWorkflow.push(id);
      expect(withoutWorkflow.sort()).toEqual(rowsAtKill.filter((id) => !accepted.includes(id)));

      const restarted = await startApiProcess(env);
      running.push(restarted);
      const sweep = restarted.logs().find((line) => line.msg === 'workflow reconciliation finished');
      expect(sweep).toMatchObject({ metrics: 40, started: 30, terminated: 0, failed: 0 });
      const repaired = restarted.logs().filter((line) => line.msg === 'reconciler started the missing import workflow of a metric');
      expect(repaired.map((line) => line.metricId).sort()).toEqual(withoutWorkflow);

      const rows = (await database.db.select({ id: metrics.id }).from(metrics)).map((row) => row.id).sort();
      expect(rows).toEqual(rowsAtKill);
      for (const id of accepted) expect(rows).toContain(id);
      for (const id of rows) expect({ id, status: await workflowStatus(id) }).toEqual({ id, status: 'RUNNING' });
      // Visibility may still list a workflow that has just ended; its own description is current.
      for (const id of await gateway.runningMetricIds([workspaceId])) if ((await workflowStatus(id)) === 'RUNNING') expect(rows).toContain(id);

      restarted.child.kill('SIGTERM');
      expect(await restarted.exited).toEqual({ code: 0, signal: null });
    } finally {
      await gate.close();
    }
  });

  it('SIGTERM during a burst of creates and reads: every request the server took is answered in full, and the process exits 0 within its grace', async () => {
    const api = await startApiProcess(env);
    running.push(api);
    const agent = new Agent({ connections: 4 });
    type Outcome = { requestId: string; kind: 'create' | 'read'; status?: number; body?: string; error?: string };
    const outcomes: Outcome[] = [];
    let sequence = 0;
    // Four clients on keep-alive connections, as behind a load balancer: creates and reads, until
    // the server stops taking their requests.
    const clients = Array.from({ length: 4 }, async (_, client) => {
      for (;;) {
        const n = sequence++;
        const requestId = `burst-${client}-${n}`;
        const kind = n % 3 === 0 ? 'create' : 'read';
        const route = kind === 'create' ? '/v1/metrics' : n % 2 === 0 ? '/v1/metrics?limit=5' : `/v1/integrations/${integrationId}`;
        try {
          const response = await request(`${api.url}${route}`, {
            dispatcher: agent,
            method: kind === 'create' ? 'POST' : 'GET',
            headers: { ...auth(), 'x-request-id': requestId },
            body: kind === 'create' ? createBody(requestId) : undefined,
          });
          outcomes.push({ requestId, kind, status: response.statusCode, body: await response.body.text() });
        } catch (error) {
          outcomes.push({ requestId, kind, error: (error as { code?: string }).code ?? String(error) });
          return;
        }
      }
    });
    // Creates the server has surely taken and cannot finish before their bodies arrive.
    const held = await Promise.all(
      Array.from({ length: 8 }, (_, i) => heldRequest(api.url, 'POST', '/v1/metrics', { ...auth(), 'x-request-id': `held-${i}` }, createBody(`held ${i}`))),
    );
    await eventually(() => Promise.resolve(outcomes.length >= 20 ? true : undefined));

    api.child.kill('SIGTERM');
    const exit = Promise.race([api.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), shutdownGraceMs + 20_000).unref())]);
    // Stopped listening: new connections are refused while the held requests are still open.
    await eventually(
      () =>
        new Promise<true | undefined>((resolve) => {
          const probe = connect(Number(new URL(api.url).port), '127.0.0.1');
          probe.once('connect', () => (probe.destroy(), resolve(undefined)));
          probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED' ? true : undefined));
        }),
      { intervalMs: 20 },
    );
    const heldAnswers = await Promise.all(held.map((request) => request.send()));
    await Promise.all(clients);
    expect(await exit).toEqual({ code: 0, signal: null });
    await agent.close();

    for (const answer of heldAnswers) expect(answer.status).toBe(202);
    const stored = await database.db.select({ id: metrics.id, name: metrics.name }).from(metrics);
    const ids = new Set(stored.map((row) => row.id));
    const names = new Set(stored.map((row) => row.name));
    for (const answer of heldAnswers) expect(ids).toContain((JSON.parse(answer.body) as { id: string }).id);

    const logs = api.logs();
    expect(logs.filter((line) => String(line.msg).startsWith('shutdown drain time over'))).toEqual([]);
    const served = new Map(logs.filter((line) => line.msg === 'request').map((line) => [line.requestId as string, line.status as number]));
    const answered = outcomes.filter((outcome) => outcome.status !== undefined);
    const refused = outcomes.filter((outcome) => outcome.error !== undefined);
    expect(answered.length).toBeGreaterThanOrEqual(20);
    // Every request the server served reached its client whole, with the status the server logged.
    for (const outcome of answered) {
      expect({ requestId: outcome.requestId, status: outcome.status }).toEqual({ requestId: outcome.requestId, status: served.get(outcome.requestId) });
      expect(outcome.status).toBeLessThan(500);
      expect(() => JSON.parse(outcome.body!) as unknown).not.toThrow();
    }
    for (const i of held.keys()) expect(served.get(`held-${i}`)).toBe(202);
    // A request that failed at its client never reached the server (a connection refused or closed
    // before it was taken: safe for a load balancer to retry), and a create left no metric behind.
    for (const outcome of refused) {
      expect({ requestId: outcome.requestId, served: served.has(outcome.requestId) }).toEqual({ requestId: outcome.requestId, served: false });
      expect(['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET']).toContain(outcome.error);
      if (outcome.kind === 'create') expect(names).not.toContain(outcome.requestId);
    }
    for (const outcome of answered.filter((o) => o.kind === 'create' && o.status === 202)) expect(names).toContain(outcome.requestId);
  });
});
