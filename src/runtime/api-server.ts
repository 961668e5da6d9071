import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { App } from '../api/app';
import type { Config } from '../config/env';

export interface ApiServer {
  url: string;
  /**
   * Stops accepting connections, lets requests already received finish, closes connections as they
   * fall idle, and cuts whatever is still open after `drainMs` (default 8 s, inside the entry
   * points' 9 s shutdown grace, docs/operations.md "Shutdown"); `onCut` hears when it has to.
   */
  close(options?: { drainMs?: number; onCut?: () => void }): Promise<void>;
}

const defaultDrainMs = 8_000;

/**
 * How long a client may take to send a request. A connection that has not delivered its headers
 * (or its whole request, body included) in time gets 408 and is closed, so slow clients cannot hold
 * sockets open. Responses are not covered: a CSV export may stream for longer.
 */
export interface HttpTimeouts {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** How often Node looks for connections past those timeouts (its default, 30 s, would add up to 30 s to each). */
  checkIntervalMs?: number;
}

export function httpTimeoutsFrom(config: Config): HttpTimeouts {
  return { headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_SECONDS * 1000, requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_SECONDS * 1000 };
}

const defaultTimeouts: HttpTimeouts = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 };

/** Serves the app; a busy port fails start-up with the variable to change. */
export function startApiServer(app: App, options: { host: string; port: number } & Partial<HttpTimeouts>): Promise<ApiServer> {
  const timeouts = { ...defaultTimeouts, ...options };
  return new Promise((resolve, reject) => {
    let server: ServerType | undefined = undefined;
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`PORT: port ${options.port} on ${options.host} is already in use; stop what uses it or set PORT to a free port`)
          : error,
      );
    };
    const serverOptions = {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      connectionsCheckingInterval: timeouts.checkIntervalMs ?? Math.min(1000, timeouts.headersTimeoutMs),
    };
    server = serve({ fetch: app.fetch, hostname: options.host, port: options.port, serverOptions }, (info: AddressInfo) => {
      server?.off('error', onError);
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${host}:${info.port}`,
        close: ({ drainMs = defaultDrainMs, onCut } = {}) =>
          new Promise<void>((done) => {
            const s = server as ServerType & { closeAllConnections?: () => void; closeIdleConnections?: () => void };
            // A keep-alive connection is idle between requests: close it then, never mid-request.
            const idleSweep = setInterval(() => s.closeIdleConnections?.(), 50);
            const deadline = setTimeout(() => {
              onCut?.();
              s.closeAllConnections?.();
            }, drainMs);
            s.close(() => {
              clearInterval(idleSweep);
              clearTimeout(deadline);
              done();
            });
            s.closeIdleConnections?.();
          }),
      });
    });
    server.once('error', onError);
  });
}
