import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Catalog } from './catalog';
import { createControl, type EmulatorControl } from './control';
import { CONTROL_PREFIX, handleControl } from './control-http';
import { Counters } from './counters';
import type { EmulatorEnv } from './env';
import { API_PREFIX, NOT_FOUND, REQUIRES_AUTH, defaultErrorMessages, lookerError } from './errors';
import { FaultRegistry, type Fault } from './faults';
import { BodyTooLargeError, readBody, writeReply } from './http-io';
import { SearchInputError } from './look-search';
import { LookStore } from './look-store';
import { JSON_CONTENT_TYPE, jsonReply, type Reply } from './reply';
import { matchRoute, type RequestContext, type RouteDef } from './router';
import { authRoutes } from './routes/auth';
import { ParamError, fail } from './routes/common';
import { exploreRoutes } from './routes/explores';
import { lookRoutes } from './routes/looks';
import { metaRoutes } from './routes/meta';
import { runLookRoutes } from './routes/run-look';
import { userRoutes } from './routes/user';
import { seedSchema, type EmulatorSeed, type EmulatorSeedInput } from './seed-schema';
import { loadSeed } from './seed-loader';
import { TokenStore } from './tokens';

export interface LookerEmulatorOptions {
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port (default). */
  port?: number;
  clientId: string;
  clientSecret: string;
  /** Default: the demo seed. */
  seed?: EmulatorSeed | EmulatorSeedInput;
  /** Lifetime of access tokens; default 3600 (Looker's default). */
  tokenTtlSeconds?: number;
  /** Clock for "today"-relative seeds and ran_at; default the real clock. */
  now?: () => Date;
}

export interface LookerEmulator {
  /** API host without /api/4.0, e.g. http://127.0.0.1:43123 (what SDKs call base_url). */
  url: string;
  /** url + '/api/4.0'. */
  apiUrl: string;
  port: number;
  control: EmulatorControl;
  /** Stops listening and destroys open connections (hanging requests included). */
  close(): Promise<void>;
}

const ROUTES: RouteDef[] = [...metaRoutes, ...authRoutes, ...userRoutes, ...lookRoutes, ...runLookRoutes, ...exploreRoutes];

const stripApiPrefix = (p: string) => (p.startsWith(`${API_PREFIX}/`) ? p.slice(API_PREFIX.length) : p);

/** "Bearer x" (SDKs) or "token x" (Looker docs), scheme case-insensitive. */
function bearerToken(header: string | undefined): string | null {
  const m = /^(?:bearer|token)\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1] ?? null;
}

/** Cuts a reply's body in half: what a dropped connection or broken proxy hands a client. */
function malformed(reply: Reply): Reply {
  const body = reply.body;
  let text = body.kind === 'text' ? body.text : '';
  if (body.kind === 'stream') {
    // Enough of the stream to look like a real partial body, without producing all of it.
    for (const chunk of body.chunks) {
      text += chunk;
      if (text.length >= 1024) break;
    }
  }
  let cut = text.slice(0, Math.max(1, Math.floor(text.length / 2))) || '{';
  try {
    JSON.parse(cut);
    cut += '{'; // half of a tiny body can still parse; make sure it does not
  } catch {
    // already malformed
  }
  return {
    status: reply.status === 204 ? 200 : reply.status,
    headers: { ...reply.headers, 'content-type': JSON_CONTENT_TYPE },
    body: { kind: 'text', text: cut },
  };
}

function faultReply(fault: Fault, where: { method: string; template: string }): Reply | undefined {
  if (fault.type === 'error') {
    return lookerError(fault.status, fault.message ?? defaultErrorMessages[fault.status] ?? 'Error', where);
  }
  if (fault.type === 'rate-limit') {
    return lookerError(429, fault.message ?? 'Too Many Requests', where, { 'retry-after': String(fault.retryAfterSeconds) });
  }
  return undefined;
}

async function dispatch(ctx: RequestContext, route: RouteDef | undefined): Promise<Reply> {
  if (!route) return fail(ctx, 404, NOT_FOUND);
  if (route.auth && !(ctx.token && ctx.env.tokens.isValid(ctx.token))) return fail(ctx, 401, REQUIRES_AUTH);
  try {
    return await route.handle(ctx);
  } catch (err) {
    if (err instanceof ParamError || err instanceof SearchInputError) return fail(ctx, 400, err.message);
    console.error('looker-emulator: handler failed', err);
    return fail(ctx, 500, 'Internal Server Error');
  }
}

async function handleRequest(env: EmulatorEnv, control: EmulatorControl, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const abort = new AbortController();
  res.once('close', () => abort.abort());
  const signal = abort.signal;
  const startedMs = Date.now();
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', env.baseUrl());

  let body: string;
  try {
    body = await readBody(req);
  } catch (err) {
    const status = err instanceof BodyTooLargeError ? 413 : 400;
    return writeReply(res, jsonReply(status, { message: 'Bad request body', documentation_url: null }), signal);
  }
  if (url.pathname === CONTROL_PREFIX || url.pathname.startsWith(`${CONTROL_PREFIX}/`)) {
    return writeReply(res, handleControl(control, { method, path: url.pathname, headers: req.headers }, body), signal);
  }

  const matched = matchRoute(ROUTES, method, url.pathname);
  const template = matched?.route.template ?? url.pathname;
  const apiPath = stripApiPrefix(url.pathname);
  const apiRoute = stripApiPrefix(template);
  env.counters.request(`${method} ${apiRoute}`, `${method} ${apiPath}`);
  if (matched?.route.isRun) {
    env.counters.runStarted();
    res.once('close', () => env.counters.runEnded());
  }

  const plan = env.faults.plan({ method, path: apiPath, route: apiRoute });
  if (plan.latencyMs > 0) await sleep(plan.latencyMs, undefined, { signal }).catch(() => undefined);
  if (plan.action?.type === 'hang') await env.faults.waitForRelease(plan.action.id, signal);
  if (signal.aborted) return;

  const ctx: RequestContext = {
    env,
    method,
    url,
    headers: req.headers,
    body,
    params: matched?.params ?? {},
    template,
    token: bearerToken(req.headers.authorization),
    startedMs,
  };
  let reply = (plan.action && faultReply(plan.action, { method, template })) ?? (await dispatch(ctx, matched?.route));
  if (plan.action?.type === 'malformed-json') reply = malformed(reply);
  await writeReply(res, reply, signal);
}

function publicHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startLookerEmulator(options: LookerEmulatorOptions): Promise<LookerEmulator> {
  const host = options.host ?? '127.0.0.1';
  const ttl = options.tokenTtlSeconds ?? 3600;
  const seed = seedSchema.parse(options.seed ?? loadSeed('demo'));
  const catalog = new Catalog(seed);
  let baseUrl = '';
  const env: EmulatorEnv = {
    seed,
    catalog,
    looks: new LookStore(seed, catalog),
    tokens: new TokenStore(ttl),
    counters: new Counters(),
    faults: new FaultRegistry(),
    credentials: { clientId: options.clientId, clientSecret: options.clientSecret },
    now: options.now ?? (() => new Date()),
    baseUrl: () => baseUrl,
  };
  const control = createControl(env, ttl);

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handleRequest(env, control, req, res).catch((err: unknown) => {
      console.error('looker-emulator: request failed', err);
      res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  baseUrl = `http://${publicHost(host)}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url: baseUrl,
    apiUrl: `${baseUrl}${API_PREFIX}`,
    port,
    control,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
