import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Agent, request } from 'undici';

/** One request as the client put it on the wire. */
export interface WireRequest {
  method: string;
  /** Path without the query, e.g. /api/4.0/looks/1/run/json. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Answers a request itself instead of forwarding it; undefined = forward to the emulator. */
export type Override = (request: WireRequest) => Partial<WireResponse> | undefined;

export interface LookerProxy {
  /** Base URL without /api/4.0. */
  url: string;
  apiUrl: string;
  /** Every request received, in order, with the answer it got. */
  exchanges: { request: WireRequest; response: WireResponse }[];
  setOverride(override: Override | undefined): void;
  close(): Promise<void>;
}

/**
 * A recording reverse proxy on 127.0.0.1 in front of the Looker emulator: tests read exactly what
 * the client sent (headers, form body, query) and can swap in answers the emulator has no fault
 * for (redirects, odd header spellings, servers that echo secrets back). Forwards only to the
 * loopback target it was given.
 */
export async function startLookerProxy(targetUrl: string): Promise<LookerProxy> {
  const target = new URL(targetUrl);
  if (target.hostname !== '127.0.0.1') throw new Error('the proxy only forwards to 127.0.0.1');
  const upstream = new Agent();
  const exchanges: LookerProxy['exchanges'] = [];
  let override: Override | undefined;
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://proxy.invalid');
      const wire: WireRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      void answer(wire).then(
        (response) => {
          exchanges.push({ request: wire, response });
          res.writeHead(response.status, response.headers);
          res.end(response.body);
        },
        () => res.destroy(),
      );
    });
  });

  async function answer(wire: WireRequest): Promise<WireResponse> {
    const own = override?.(wire);
    if (own) {
      return { status: own.status ?? 200, headers: own.headers ?? { 'content-type': 'application/json' }, body: own.body ?? '' };
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(wire.headers)) {
      if (value === undefined || ['host', 'connection', 'content-length', 'transfer-encoding'].includes(name)) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const forwarded = await request(new URL(`${wire.path}?${wire.query.toString()}`, target), {
      method: wire.method as 'GET',
      headers,
      body: wire.body === '' ? undefined : wire.body,
      dispatcher: upstream,
    });
    const responseHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(forwarded.headers)) {
      if (value === undefined || ['connection', 'content-length', 'transfer-encoding', 'keep-alive'].includes(name)) continue;
      responseHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return { status: forwarded.statusCode, headers: responseHeaders, body: await forwarded.body.text() };
  }

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    apiUrl: `${url}/api/4.0`,
    exchanges,
    setOverride: (next) => (override = next),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      await upstream.close();
    },
  };
}
