import { jsonReply, type Reply } from './reply';

export const API_PREFIX = '/api/4.0';
const DOCS_BASE = 'https://cloud.google.com/looker/docs/r/err/4.0';

/** Looker's documentation_url: <base>/<status>/<method>/<path template with :params>. */
export function documentationUrl(status: number, method: string, template: string): string {
  const path = template.startsWith(API_PREFIX) ? template.slice(API_PREFIX.length) : template;
  return `${DOCS_BASE}/${status}/${method.toLowerCase()}${path.startsWith('/') ? path : `/${path}`}`;
}

/** Looker's `Error` body: {message, documentation_url}. */
export function lookerError(
  status: number,
  message: string,
  where: { method: string; template: string },
  headers: Record<string, string> = {},
): Reply {
  return jsonReply(status, { message, documentation_url: documentationUrl(status, where.method, where.template) }, headers);
}

export const NOT_FOUND = 'Not found';
export const REQUIRES_AUTH = 'Requires authentication.';

export const defaultErrorMessages: Record<number, string> = {
  400: 'Bad Request',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};
