import { OpenAPIHono } from '@hono/zod-openapi';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src/api/app';
import { startApiServer } from '../../src/runtime/api-server';

/** A route that answers only when the test lets it, so requests are surely in flight at shutdown. */
function appWithGate(): { app: App; received: () => number; open: () => void } {
  let received = 0;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const app = new OpenAPIHono() as unknown as App;
  app.get('/slow', async (c) => {
    received++;
    await gate;
    return c.json({ ok: true });
  });
  return { app, received: () => received, open };
}

describe('API server shutdown', () => {
  it('answers every request it accepted before close, refuses new connections, and then resolves', async () => {
    const { app, received, open } = appWithGate();
    const server = await startApiServer(app, { host: '127.0.0.1', port: 0 });
    // Keep-alive connections, as a load balancer or a browser holds them.
    const agent = new Agent({ connections: 5, pipelining: 1 });
    const inFlight = Array.from({ length: 20 }, () => request(`${server.url}/slow`, { dispatcher: agent }).then(async (r) => ({ status: r.statusCode, body: await r.body.json() })));
    // Five connections carry the first five; the rest queue in the client.
    while (received() < 5) await new Promise((resolve) => setTimeout(resolve, 10));

    let cut = false;
    const closed = server.close({ drainMs: 30_000, onCut: () => (cut = true) });
    let closedYet = false;
    void closed.then(() => (closedYet = true));
    const refused = await request(`${server.url}/slow`).then(
      () => 'answered',
      (error: { code?: string }) => error.code,
    );
    expect(refused).toBe('ECONNREFUSED');
    expect(closedYet).toBe(false);

    open();
    const answers = await Promise.allSettled(inFlight);
    const accepted = answers.filter((answer) => answer.status === 'fulfilled').map((answer) => answer.value);
    // Every request the server received was answered, the five in flight at close among them; the
    // client's queued ones either rode a connection before it fell idle or were never accepted.
    expect(accepted.length).toBeGreaterThanOrEqual(5);
    expect(accepted.length).toBe(received());
    for (const answer of accepted) expect(answer).toEqual({ status: 200, body: { ok: true } });
    await closed;
    expect(cut).toBe(false);
    await agent.close();
  });

  it('cuts connections still busy when the drain time is over', async () => {
    const { app, received } = appWithGate();
    const server = await startApiServer(app, { host: '127.0.0.1', port: 0 });
    const hanging = request(`${server.url}/slow`).then(
      () => 'answered',
      (error: { code?: string }) => error.code ?? 'failed',
    );
    while (received() < 1) await new Promise((resolve) => setTimeout(resolve, 10));
    let cut = false;
    await server.close({ drainMs: 100, onCut: () => (cut = true) });
    expect(await hanging).not.toBe('answered');
    expect(cut).toBe(true);
  });
});
