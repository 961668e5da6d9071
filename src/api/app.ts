import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { except } from 'hono/combine';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { createConsole } from '../console';
import { WorkflowGatewayError } from '../temporal/metric-workflow-gateway';
import { adminAuth } from './admin-auth';
import { apiKeyAuth } from './auth';
import { createCodecRoutes } from './codec-routes';
import { registerDocsPage } from './docs-page';
import type { ApiDeps } from './deps';
import type { AppEnv } from './env';
import { ApiError, fieldErrors, problemResponse, type ErrorCode } from './errors';
import { httpRequestMetrics, registerPrometheusEndpoint } from './prometheus-endpoint';
import { limiterFrom, rateLimitedPerAddress, rateLimitedPerKey } from './rate-limit';
import { traceRequests } from './request-tracing';
import { registerRoutes } from './routes';
import { createVerifiedApiKeys } from './verified-api-keys';

export type App = OpenAPIHono<AppEnv>;

/** Largest JSON body accepted; every request body of this API is a few hundred bytes. */
const maxBodyBytes = 64 * 1024;
const tooLargeDetail = `Request bodies are limited to ${maxBodyBytes / 1024} KB.`;
const tooLargeError = { pointer: '/body', message: `larger than ${maxBodyBytes / 1024} KB` };

export function createApp(deps: ApiDeps): App {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const errors = fieldErrors(result.target, result.error);
        const detail = errors.map((e) => `${e.pointer.split('/').slice(2).join('.') || e.pointer.slice(1)}: ${e.message}`).join('; ');
        return problemResponse(c, 'validation_failed', detail, errors);
      }
      return undefined;
    },
  });

  app.use('*', requestId());
  app.use('*', traceRequests());
  app.use('*', httpRequestMetrics(deps.prometheus.httpRequestDuration));
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    deps.logger.info(
      { requestId: c.get('requestId'), method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) },
      'request',
    );
  });
  // Floods are refused before anything is parsed or looked up; the admin routes (token guessing) more strictly.
  app.use('/v1/*', rateLimitedPerAddress(limiterFrom(deps, 'perAddress'), deps.logger, 'requests', deps.trustProxyHops));
  if (deps.adminToken !== undefined) app.use('/v1/admin/*', rateLimitedPerAddress(limiterFrom(deps, 'admin'), deps.logger, 'admin requests', deps.trustProxyHops));
  app.use('/v1/*', bodyLimit({ maxSize: maxBodyBytes, onError: (c) => problemResponse(c, 'payload_too_large', tooLargeDetail, [tooLargeError]) }));
  app.use('/v1/*', requireJsonBody);
  // Admin routes take the operator's ADMIN_TOKEN instead of a workspace key.
  const verifiedApiKeys = createVerifiedApiKeys({ db: deps.db });
  app.use('/v1/*', except('/v1/admin/*', apiKeyAuth(deps.db, verifiedApiKeys), rateLimitedPerKey(limiterFrom(deps, 'perKey'), deps.logger, 'requests')));
  // A revocation applies in this process at once; in other API processes within the keys' few seconds.
  app.use('/v1/api-keys/:id/revoke', async (_c, next) => {
    await next();
    verifiedApiKeys.forgetAll();
  });
  app.use('/v1/admin/*', adminAuth(deps.adminToken));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'A workspace API key: `Authorization: Bearer mi_live_…`',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
    description: "The operator's ADMIN_TOKEN; the admin routes answer 404 when it is not configured.",
  });
  registerRoutes(app, deps);
  registerPrometheusEndpoint(app, deps.metricsEndpoint);
  app.doc('/openapi.json', {
    openapi: '3.0.3',
    info: {
      title: 'metric-importer API',
      version: '1.0.0',
      description: 'Connect Looker, choose a Look and its date and value fields, and get its whole history plus a new datapoint every day.',
    },
    servers: [{ url: '/' }],
  });
  registerDocsPage(app);
  // The web console: not part of the public OpenAPI document; its pages read through the routes above.
  app.route('/console', createConsole(deps, app));
  // The Temporal UI's codec server; not in the OpenAPI document (Temporal's protocol, operators only).
  if (deps.codecEndpoint) app.route('/codec', createCodecRoutes(deps.codecEndpoint));

  app.notFound((c) => problemResponse(c, 'not_found', `No route ${c.req.method} ${c.req.path}.`));
  app.onError((error, c) => handleError(error, c, deps));
  return app;
}

/** Bodies must be JSON: a form or text body gets 415 rather than a confusing validation error. */
async function requireJsonBody(c: Context<AppEnv>, next: () => Promise<void>) {
  const hasBody = c.req.header('content-length') !== '0' && (c.req.header('content-length') !== undefined || c.req.header('transfer-encoding') !== undefined);
  if (!['POST', 'PUT', 'PATCH'].includes(c.req.method)) return next();
  const type = c.req.header('content-type') ?? '';
  // `application/json` or `application/<x>+json`, parameters allowed; not `application/json-seq`.
  const isJson = /^application\/([\w.-]+\+)?json\s*(;|$)/i.test(type);
  if (hasBody && !isJson) throw notJson(type);
  if (isJson) {
    // Malformed or empty JSON is left to the route's validator, which says so; the parse is cached for it.
    const body: unknown = await c.req.json().catch(() => undefined);
    const pointer = pointerToNul(body);
    if (pointer !== undefined) throw ApiError.field('validation_failed', pointer, 'must not contain NUL characters (\\u0000); remove them');
  }
  await next();
}

/**
 * Postgres text cannot hold U+0000, so a NUL anywhere in a body would fail the INSERT with a 500;
 * the pointer names the first string (or key) that has one. Iterative: bodies may nest deeply.
 */
function pointerToNul(body: unknown): string | undefined {
  const pending: [unknown, string][] = [[body, '/body']];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, pointer] = next;
    if (typeof value === 'string' && value.includes('\u0000')) return pointer;
    if (typeof value !== 'object' || value === null) continue;
    for (const [key, child] of Object.entries(value)) {
      const childPointer = `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      if (key.includes('\u0000')) return childPointer;
      pending.push([child, childPointer]);
    }
  }
  return undefined;
}

const notJson = (type: string) =>
  ApiError.field('unsupported_media_type', '/headers/content-type', `send the body as JSON with "Content-Type: application/json" (got "${type || 'none'}")`);

const gatewayCodes: Record<WorkflowGatewayError['kind'], ErrorCode> = {
  not_found: 'conflict',
  already_exists: 'conflict',
  rejected: 'unprocessable',
  unavailable: 'upstream_unavailable',
};

function handleError(error: Error, c: Context<AppEnv>, deps: ApiDeps): Response {
  if (error instanceof ApiError) return problemResponse(c, error.code, error.detail, error.errors);
  if (error instanceof WorkflowGatewayError) return problemResponse(c, gatewayCodes[error.kind], error.message);
  if (error instanceof HTTPException) {
    if (error.status === 400) {
      return problemResponse(c, 'validation_failed', 'The body is not valid JSON.', [{ pointer: '/body', message: 'malformed JSON' }]);
    }
    if (error.status === 413) return problemResponse(c, 'payload_too_large', tooLargeDetail, [tooLargeError]);
    // The JSON validator's own refusal of a body requireJsonBody did not see (e.g. Content-Length: 0 with a text type).
    if (error.status === 415) {
      const refusal = notJson(c.req.header('content-type') ?? '');
      return problemResponse(c, refusal.code, refusal.detail, refusal.errors);
    }
    return problemResponse(c, error.status === 401 ? 'unauthorized' : 'internal', error.message);
  }
  deps.logger.error({ requestId: c.get('requestId'), err: error }, 'unhandled error');
  return problemResponse(c, 'internal', 'Something went wrong on our side; quote the request id when reporting it.');
}
