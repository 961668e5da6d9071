import { Pool, type Dispatcher } from 'undici';

export interface ApiClient {
  origin: string;
  /** The bench key's authorization header, for load generators with their own connections. */
  headers: Record<string, string>;
  /** Calls the API with the bench key; a non-2xx answer throws with the problem's text. */
  call<T = unknown>(method: Dispatcher.HttpMethod, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

/** The bench's HTTP client for the API under test: keep-alive connections on loopback. */
export function createApiClient(baseUrl: string, apiKey: string, connections = 16): ApiClient {
  const pool = new Pool(baseUrl, { connections });
  const headers = { authorization: `Bearer ${apiKey}` };
  return {
    origin: baseUrl,
    headers,
    async call<T>(method: Dispatcher.HttpMethod, path: string, body?: unknown): Promise<T> {
      const response = await pool.request({
        method,
        path,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.body.text();
      if (response.statusCode < 200 || response.statusCode > 299) throw new Error(`${method} ${path} answered HTTP ${response.statusCode}: ${text.slice(0, 500)}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
    close: () => pool.close(),
  };
}
