import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The closed set of error codes; each maps to one HTTP status. Clients branch on `code`. */
export const errorStatus = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  looker_rejected: 422,
  rate_limited: 429,
  upstream_unavailable: 503,
  internal: 500,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof errorStatus;

const titles: Record<ErrorCode, string> = {
  validation_failed: 'The request is not valid',
  unauthorized: 'Missing or invalid API key',
  forbidden: 'Not allowed',
  not_found: 'Not found',
  conflict: 'Conflicts with the current state',
  payload_too_large: 'Request body too large',
  unsupported_media_type: 'Unsupported content type',
  unprocessable: 'The request cannot be applied',
  looker_rejected: 'Looker did not accept this',
  rate_limited: 'Too many requests',
  upstream_unavailable: 'A service this API depends on is unavailable',
  internal: 'Internal error',
};

export interface FieldError {
  /** JSON pointer into the request, e.g. `/body/importTime` or `/query/from`. */
  pointer: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail);
    this.name = 'ApiError';
  }

  static field(code: ErrorCode, pointer: string, message: string): ApiError {
    return new ApiError(code, `${pointer.split('/').at(-1)}: ${message}`, [{ pointer, message }]);
  }
}

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'https://metric-importer.dev/problems/validation_failed' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]]),
    requestId: z.string(),
    instance: z.string(),
    errors: z.array(z.object({ pointer: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem', {
    description: 'RFC 9457 problem details, served as application/problem+json.',
    example: {
      type: 'https://metric-importer.dev/problems/validation_failed',
      title: 'The request is not valid',
      status: 400,
      detail: 'importTime: must be HH:MM between 00:00 and 23:59',
      code: 'validation_failed',
      requestId: '3f0c8a52-6b7e-4a53-9a51-2f1c3c1a9d10',
      instance: '/v1/metrics',
      errors: [{ pointer: '/body/importTime', message: 'must be HH:MM between 00:00 and 23:59' }],
    },
  });

export type Problem = z.infer<typeof ProblemSchema>;

const problemContent = { 'application/problem+json': { schema: ProblemSchema } };

const retryAfterHeader = { 'Retry-After': { description: 'Seconds until the next call is accepted', schema: { type: 'integer' as const } } };

/** Extra errors of routes that take a JSON body; a body sent to any other route is held to the same limits. */
export const bodyProblemResponses = {
  413: { description: 'Body larger than the limit', content: problemContent },
  415: { description: 'Body is not JSON', content: problemContent },
} as const;

/** Error responses every route may answer; spread into each route's `responses`. */
export const problemResponses = {
  400: { description: 'Validation failed', content: problemContent },
  401: { description: 'Missing or invalid API key', content: problemContent },
  404: { description: 'Not found in this workspace', content: problemContent },
  ...bodyProblemResponses,
  429: {
    description: 'Too many requests from this address or with this API key; retry after the Retry-After header (seconds)',
    headers: retryAfterHeader,
    content: problemContent,
  },
  500: { description: 'Internal error', content: problemContent },
  503: { description: 'Postgres or Temporal unavailable', content: problemContent },
} as const;


export const conflictResponse = { 409: { description: 'Conflicts with the current state', content: problemContent } } as const;
/** Routes that reach a tenant's Looker host to check credentials have a stricter per-key limit of their own. */
export const rateLimitedResponse = {
  429: {
    description: 'Too many calls of this kind with this API key (or requests from this address); retry after the Retry-After header (seconds)',
    headers: retryAfterHeader,
    content: problemContent,
  },
} as const;

export const unprocessableResponse = {
  422: { description: 'Looker or the workflow refused the change', content: problemContent },
} as const;

export function problemBody(c: Context, code: ErrorCode, detail: string, errors: FieldError[] = []): Problem {
  return {
    type: `https://metric-importer.dev/problems/${code}`,
    title: titles[code],
    status: errorStatus[code],
    detail,
    code,
    requestId: (c.get('requestId')) ?? '',
    instance: new URL(c.req.url).pathname,
    ...(errors.length > 0 ? { errors } : {}),
  };
}

export function problemResponse(c: Context, code: ErrorCode, detail: string, errors: FieldError[] = [], headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problemBody(c, code, detail, errors)), {
    status: errorStatus[code],
    headers: { ...headers, 'content-type': 'application/problem+json', 'x-request-id': (c.get('requestId')) ?? '' },
  });
}

/** Request parts as OpenAPI names them, used as the first segment of every pointer. */
const pointerRoots: Record<string, string> = { json: 'body', param: 'path', header: 'headers' };

/** zod issues → field errors with JSON pointers into the request part that failed. */
export function fieldErrors(target: string, error: z.ZodError): FieldError[] {
  const root = pointerRoots[target] ?? target;
  return error.issues.map((issue) => {
    const path = issue.path.map(String);
    const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const pointer = ['', root, ...path, ...unknownKeys.slice(0, 1)].join('/');
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown propert${unknownKeys.length > 1 ? 'ies' : 'y'} ${unknownKeys.join(', ')}; remove ${unknownKeys.length > 1 ? 'them' : 'it'}`
        : issue.message;
    return { pointer, message };
  });
}
