import type { Context } from 'hono';
import type { Problem } from '../api/errors';

/** Something `app.request` can answer: the API app itself. */
export interface InProcessApi {
  request(path: string, init: RequestInit): Response | Promise<Response>;
}

/** The API answered a page's read with an error the page shows as it is. */
export class ApiReadError extends Error {
  constructor(readonly status: number, readonly problem: Problem | undefined) {
    super(problem?.detail ?? `The API answered ${status}.`);
    this.name = 'ApiReadError';
  }
}

/**
 * Pages read through the REST routes themselves (in process, with the browser's session cookie),
 * so they see exactly what the API allows this session: same validation and tenant isolation.
 */
export async function readApi<T>(api: InProcessApi, c: Context, path: string): Promise<T> {
  const response = await api.request(path, { headers: { cookie: c.req.header('cookie') ?? '' } });
  if (!response.ok) {
    const problem = (await response.json().catch(() => undefined)) as Problem | undefined;
    throw new ApiReadError(response.status, problem);
  }
  return (await response.json()) as T;
}
