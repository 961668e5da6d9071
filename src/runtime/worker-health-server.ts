import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WorkerHealthServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The worker's health port: `/healthz` while the process lives, `/readyz` once the worker polls its
 * task queue (and no longer while it drains on shutdown), for orchestrators and the image's HEALTHCHECK.
 */
export function startWorkerHealthServer(options: { host: string; port: number; polling: () => boolean }): Promise<WorkerHealthServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const answer = (status: number, body: Record<string, string>) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'GET') return answer(405, { error: 'GET only' });
    if (path === '/healthz') return answer(200, { status: 'ok' });
    if (path === '/readyz') return options.polling() ? answer(200, { status: 'ready' }) : answer(503, { status: 'not_ready' });
    return answer(404, { error: 'not found: /healthz or /readyz' });
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
