import { errors as undiciErrors, request, type Dispatcher } from 'undici';
import { LookerError, lookerErrors } from './errors';
import type { TokenStore, StoredToken } from './token-store';

export interface LookerClientOptions {
  /** Canonical endpoint ending in /api/4.0 (see api-endpoint.ts). */
  apiEndpoint: string;
  clientId: string;
  clientSecret: string;
  /** Carries the address guard; never follows redirects. */
  dispatcher: Dispatcher;
  tokenStore: TokenStore;
  /** Timeout for metadata calls. */
  requestTimeoutMs?: number;
  /** Timeout for Look runs, which wait on the customer's warehouse. */
  runTimeoutMs?: number;
  now?: () => number;
}

export interface LookerUser {
  id: string;
  displayName: string | null;
  email: string | null;
}

export interface LookSummary {
  id: string;
  title: string;
  description: string | null;
  folder: { id: string; name: string } | null;
  updatedAt: string | null;
}

export interface LookDetail extends LookSummary {
  model: string;
  explore: string;
  fields: string[];
  pivots: string[];
  queryLimit: string | null;
}

export interface LookerFieldMeta {
  name: string;
  label?: string;
  type: string;
  category?: string;
  is_numeric?: boolean;
  is_timeframe?: boolean;
}

/** Tokens are treated as expired this long before Looker says, so a call never races the expiry. */
const expiryMarginMs = 60_000;

type Query = Record<string, string | number | boolean | undefined>;

interface CallOptions {
  query?: Query;
  timeoutMs?: number;
  auth?: boolean;
  form?: Record<string, string>;
  method?: 'GET' | 'POST' | 'DELETE';
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A Looker API 4.0 client that behaves like the official SDKs: form login, Bearer token, string ids. */
export class LookerClient {
  private readonly requestTimeoutMs: number;
  private readonly runTimeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly options: LookerClientOptions) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.runTimeoutMs = options.runTimeoutMs ?? 300_000;
    this.now = options.now ?? Date.now;
  }

  /** Unauthenticated probe: tells a Looker API apart from any other web server. */
  async versions(): Promise<{ lookerReleaseVersion: string; apiVersions: string[] }> {
    const response = await this.send('/versions', { auth: false });
    if (response.status !== 200) {
      throw lookerErrors.notLooker(`GET /versions answered HTTP ${response.status}`);
    }
    const body = parseJson(response.body, () => lookerErrors.notLooker('GET /versions did not return JSON'));
    if (!isRecord(body) || !isRecord(body.current_version) || typeof body.looker_release_version !== 'string') {
      throw lookerErrors.notLooker('GET /versions did not describe Looker API versions');
    }
    const supported = Array.isArray(body.supported_versions) ? body.supported_versions : [];
    return {
      lookerReleaseVersion: body.looker_release_version,
      apiVersions: supported.filter(isRecord).map((v) => String(v.version)),
    };
  }

  /** Makes sure a valid token is in the shared store and returns only its expiry. */
  async ensureToken(): Promise<{ expiresAt: Date }> {
    const token = await this.currentToken();
    return { expiresAt: token.expiresAt };
  }

  async me(): Promise<LookerUser> {
    const body = await this.getJson('/user', { query: { fields: 'id,display_name,first_name,last_name,email' } });
    if (!isRecord(body) || body.id === undefined) throw lookerErrors.malformed('GET /user returned no user');
    const name = [body.first_name, body.last_name].filter((part) => typeof part === 'string' && part).join(' ');
    return {
      id: scalarString(body.id),
      displayName: typeof body.display_name === 'string' ? body.display_name : name || null,
      email: typeof body.email === 'string' ? body.email : null,
    };
  }

  /** Looks matching `title` (case-insensitive, substring), one page at a time. */
  async searchLooks(options: { title?: string; limit: number; offset: number }): Promise<{ looks: LookSummary[]; hasMore: boolean }> {
    const body = await this.getJson('/looks/search', {
      query: {
        title: options.title ? `%${escapeLike(options.title)}%` : undefined,
        fields: 'id,title,description,folder(id,name),updated_at',
        sorts: 'title',
        limit: options.limit,
        offset: options.offset,
      },
    });
    if (!Array.isArray(body)) throw lookerErrors.malformed('GET /looks/search did not return a list');
    return { looks: body.filter(isRecord).map(toLookSummary), hasMore: body.length === options.limit };
  }

  async getLook(lookId: string): Promise<LookDetail> {
    const body = await this.getJson(`/looks/${encodeURIComponent(lookId)}`, { notFound: () => lookerErrors.lookNotFound(lookId) });
    if (!isRecord(body) || !isRecord(body.query)) throw lookerErrors.malformed(`GET /looks/${lookId} returned no query`);
    const query = body.query;
    return {
      ...toLookSummary(body),
      model: scalarString(query.model),
      explore: scalarString(query.view),
      fields: stringArray(query.fields),
      pivots: stringArray(query.pivots),
      queryLimit: query.limit === undefined || query.limit === null ? null : scalarString(query.limit),
    };
  }

  /** The Look's fields with types, from a one-row json_detail run (covers table calculations too). */
  async lookFields(lookId: string): Promise<LookerFieldMeta[]> {
    const body = await this.getJson(`/looks/${encodeURIComponent(lookId)}/run/json_detail`, {
      query: { limit: 1, apply_formatting: false, cache: true },
      timeoutMs: this.runTimeoutMs,
      notFound: () => lookerErrors.lookNotFound(lookId),
    });
    if (!isRecord(body) || !isRecord(body.fields)) throw lookerErrors.malformed('the json_detail result has no fields');
    const groups = ['dimensions', 'measures', 'table_calculations'] as const;
    return groups.flatMap((group) => {
      const entries = (body.fields as Record<string, unknown>)[group];
      return Array.isArray(entries) ? entries.filter(isRecord).map((field) => toFieldMeta(field, group)) : [];
    });
  }

  /** Runs the Look and returns its raw rows (json format, unformatted values). */
  async runLook(lookId: string, options: { limit: number }): Promise<unknown> {
    return this.getJson(`/looks/${encodeURIComponent(lookId)}/run/json`, {
      query: { limit: options.limit, apply_formatting: false, apply_vis: false, cache: true },
      timeoutMs: this.runTimeoutMs,
      notFound: () => lookerErrors.lookNotFound(lookId),
    });
  }

  /** Full credential check for the "test connection" screen: Looker API, then login, then the user. */
  async checkCredentials(): Promise<{ user: LookerUser; lookerReleaseVersion: string }> {
    const { lookerReleaseVersion } = await this.versions();
    await this.options.tokenStore.refresh(() => this.login());
    return { user: await this.me(), lookerReleaseVersion };
  }

  private async getJson(path: string, options: CallOptions & { notFound?: () => LookerError } = {}): Promise<unknown> {
    const response = await this.authorized(path, options);
    if (response.status === 404) throw options.notFound?.() ?? lookerErrors.notLooker(`GET ${path} answered 404`);
    throwForStatus(response);
    return parseJson(response.body, () => lookerErrors.malformed(`GET ${path} did not return valid JSON`));
  }

  /** Sends with the shared token; on 401 invalidates it, logs in once more and retries once. */
  private async authorized(path: string, options: CallOptions): Promise<RawResponse> {
    const token = await this.currentToken();
    const first = await this.send(path, { ...options, token: token.accessToken });
    if (first.status !== 401) return first;
    await this.options.tokenStore.invalidate(token.accessToken);
    const fresh = await this.options.tokenStore.refresh(() => this.login(), token.accessToken);
    const second = await this.send(path, { ...options, token: fresh.accessToken });
    if (second.status === 401) throw lookerErrors.tokenExpired();
    return second;
  }

  private async currentToken(): Promise<StoredToken> {
    const stored = await this.options.tokenStore.read();
    if (stored && stored.expiresAt.getTime() - expiryMarginMs > this.now()) return stored;
    return this.options.tokenStore.refresh(() => this.login(), stored?.accessToken);
  }

  private async login(): Promise<StoredToken> {
    const response = await this.send('/login', {
      method: 'POST',
      auth: false,
      form: { client_id: this.options.clientId, client_secret: this.options.clientSecret },
    });
    if (response.status === 404) {
      const body = parseJson(response.body, () => undefined);
      // Looker answers bad credentials with a JSON 404; any other 404 means this is not Looker's API.
      if (isRecord(body) && 'message' in body) throw lookerErrors.credentialsRejected();
      throw lookerErrors.notLooker('POST /login answered 404 without a Looker error body');
    }
    throwForStatus(response);
    const body = parseJson(response.body, () => lookerErrors.notLooker('POST /login did not return JSON'));
    if (!isRecord(body) || typeof body.access_token !== 'string' || typeof body.expires_in !== 'number') {
      throw lookerErrors.notLooker('POST /login did not return an access token');
    }
    return { accessToken: body.access_token, expiresAt: new Date(this.now() + body.expires_in * 1000) };
  }

  private async send(path: string, options: CallOptions & { token?: string }): Promise<RawResponse> {
    const url = new URL(this.options.apiEndpoint + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'metric-importer' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    }
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    try {
      const response = await request(url, {
        method: options.method ?? 'GET',
        headers,
        body,
        dispatcher: this.options.dispatcher,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { status: response.statusCode, headers: response.headers, body: await response.body.text() };
    } catch (error) {
      throw toTransportError(error, timeoutMs);
    }
  }
}

function throwForStatus(response: RawResponse): void {
  const { status } = response;
  if (status >= 200 && status < 300) return;
  if (status >= 300 && status < 400) {
    const location = response.headers.location;
    throw lookerErrors.notLooker(`it answered with a redirect${typeof location === 'string' ? ` to ${location}` : ''}`);
  }
  if (status === 429) throw lookerErrors.rateLimited(retryAfterMs(response.headers['retry-after']));
  if (status === 401) throw lookerErrors.tokenExpired();
  if (status >= 500) throw lookerErrors.unavailable(`HTTP ${status}`, status);
  throw lookerErrors.requestRejected(status, lookerMessage(response.body));
}

/** Retry-After is seconds or an HTTP date; without one, wait a conservative 30 s. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number {
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && /^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = value === undefined ? Number.NaN : Date.parse(value);
  if (!Number.isNaN(date)) return Math.max(0, date - now);
  return 30_000;
}

function toTransportError(error: unknown, timeoutMs: number): Error {
  if (error instanceof LookerError) return error;
  if (error instanceof Error && error.name === 'AddressRefusedError') return error;
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError ||
    (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
  ) {
    return lookerErrors.unavailable(`no answer within ${Math.round(timeoutMs / 1000)} s`);
  }
  const code = error instanceof Error && 'code' in error ? String(error.code) : undefined;
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  if (cause?.name === 'AddressRefusedError') return cause;
  return lookerErrors.unavailable(code ? `network error ${code}` : `network error (${error instanceof Error ? error.message : String(error)})`);
}

function lookerMessage(body: string): string {
  const parsed = parseJson(body, () => undefined);
  if (isRecord(parsed) && typeof parsed.message === 'string') {
    const details = Array.isArray(parsed.errors)
      ? parsed.errors.filter(isRecord).map((e) => `${String(e.field)}: ${String(e.message)}`)
      : [];
    return [parsed.message, ...details].join('; ');
  }
  return 'no Looker error message';
}

function parseJson<T>(text: string, onError: () => T): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const fallback = onError();
    if (fallback instanceof Error) throw fallback;
    return fallback;
  }
}

function toLookSummary(look: Record<string, unknown>): LookSummary {
  const folder = isRecord(look.folder) ? { id: scalarString(look.folder.id), name: scalarString(look.folder.name) } : null;
  return {
    id: scalarString(look.id),
    title: typeof look.title === 'string' ? look.title : '',
    description: typeof look.description === 'string' ? look.description : null,
    folder,
    updatedAt: typeof look.updated_at === 'string' ? look.updated_at : null,
  };
}

function toFieldMeta(field: Record<string, unknown>, group: string): LookerFieldMeta {
  return {
    name: scalarString(field.name),
    label: typeof field.label === 'string' ? field.label : undefined,
    type: typeof field.type === 'string' ? field.type : 'string',
    category: typeof field.category === 'string' ? field.category : group === 'dimensions' ? 'dimension' : 'measure',
    is_numeric: typeof field.is_numeric === 'boolean' ? field.is_numeric : group === 'table_calculations' ? true : undefined,
    is_timeframe: typeof field.is_timeframe === 'boolean' ? field.is_timeframe : undefined,
  };
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.map(scalarString) : [];
}

/** Looker ids are strings in 4.0 but numbers in older answers; anything else reads as empty. */
function scalarString(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

function escapeLike(text: string): string {
  return text.replace(/[%_\\]/g, (ch) => `\\${ch}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
