import { errors as undiciErrors, request, type Dispatcher } from 'undici';
import { startLookerCallSpan } from './call-span';
import { LookerError, lookerErrors } from './errors';
import { JsonStreamError, readJsonArray } from './json-array-stream';
import { isTokenFresh, type StoredToken, type TokenStore } from './token-store';
import type { LookerFieldMeta } from './parse-look-result';
import type { QueryGate } from './query-slots';

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
  /** Most bytes read per kind of answer; a bigger answer is refused (defaultResponseLimits). */
  responseLimits?: Partial<ResponseLimits>;
  /** Clock for token expiry (tests move it to reach the expiry margin). */
  now?: () => number;
  /** Caps the integration's concurrent Looker queries (Look runs and field metadata runs) over all workers. */
  queryGate?: QueryGate;
  /** Field metadata of recent lookFields calls, shared by the process's clients of the integration. */
  fieldsCache?: LookFieldsCache;
  /** Told of every HTTP call to Looker (the Prometheus series). */
  onRequest?: LookerRequestObserver;
}

/**
 * One HTTP call to Looker: its endpoint as a template (`GET /looks/{id}/run/json`, no id), how
 * it ended (`ok`, `http_4xx`…, `timeout`, `network`, `refused`) and the seconds until its headers arrived.
 */
export type LookerRequestObserver = (call: { endpoint: string; outcome: string; seconds: number }) => void;

/** A short-lived cache of a Look's fields (see look-fields-cache.ts). */
export interface LookFieldsCache {
  get(lookId: string, load: () => Promise<LookerFieldMeta[]>): Promise<LookerFieldMeta[]>;
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

/** A Look run's rows, and whether they kept every column (else only the fields asked for). */
export interface LookRunRows {
  rows: unknown;
  allColumns: boolean;
}

export interface LookDetail extends LookSummary {
  model: string;
  explore: string;
  fields: string[];
  pivots: string[];
  queryLimit: string | null;
}


/**
 * What the client reads at most, per kind of answer, so that an answer from a hostile or broken
 * endpoint is refused while it streams instead of filling the shared process's memory
 * (docs/security.md, "Response size limits").
 */
export interface ResponseLimits {
  /** GET /versions, POST /login, GET /user, and every error answer: small JSON objects. */
  smallBytes: number;
  /** A Look list, a Look, a Look's fields (a one-row json_detail run). */
  metadataBytes: number;
  /** One row of a Look run. A run also holds at most its `limit` rows (see keptBytesPerRow). */
  rowBytes: number;
}

export const defaultResponseLimits: ResponseLimits = { smallBytes: 64 * 1024, metadataBytes: 4 * 1024 * 1024, rowBytes: 64 * 1024 };

/**
 * A Look run keeps the date and value fields of each row; these may hold this many bytes a row on
 * average (a date and a number take about 30), so a run holds at most `limit` × this. A run kept
 * for more fields (a shared run serves several metrics) may hold this much per two fields.
 */
export const keptBytesPerRow = 256;

/** Timeout of metadata calls and of the login, unless the caller sets `requestTimeoutMs`. */
export const defaultRequestTimeoutMs = 30_000;

/** Looker's own error messages are quoted in ours, cut to this length. */
const maxQuotedLength = 300;
/** Access tokens the client remembers for scrubbing error messages (the live one and a few before it). */
const rememberedTokens = 8;

type Query = Record<string, string | number | boolean | undefined>;

interface CallOptions {
  query?: Query;
  timeoutMs?: number;
  auth?: boolean;
  form?: Record<string, string>;
  method?: 'GET' | 'POST' | 'DELETE';
  /** Aborts the request early (e.g. the activity was cancelled), besides the timeout. */
  signal?: AbortSignal;
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An answer whose body is still streaming in. */
interface OpenResponse {
  status: number;
  headers: RawResponse['headers'];
  body: Dispatcher.ResponseData['body'];
  timeoutMs: number;
}

/**
 * A Looker API 4.0 client that behaves like the official SDKs: form login, Bearer token, string ids.
 * Every failure is a LookerError of one type per failure kind (see docs/looker-client.md), except
 * an AddressRefusedError from the SSRF guard. Error messages and stacks never contain the client
 * secret or an access token, even when a server echoes them back.
 */
export class LookerClient {
  private readonly requestTimeoutMs: number;
  private readonly runTimeoutMs: number;
  private readonly limits: ResponseLimits;
  private readonly now: () => number;
  private readonly knownTokens: string[] = [];

  constructor(private readonly options: LookerClientOptions) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? defaultRequestTimeoutMs;
    this.runTimeoutMs = options.runTimeoutMs ?? 300_000;
    this.limits = { ...defaultResponseLimits, ...options.responseLimits };
    this.now = options.now ?? Date.now;
  }

  /** Unauthenticated probe: tells a Looker API apart from any other web server. */
  versions(): Promise<{ lookerReleaseVersion: string; apiVersions: string[] }> {
    return this.guard(async () => {
      const response = await this.send('/versions', { auth: false, maxBytes: this.limits.smallBytes });
      throwForRedirect(response);
      // A 5xx is an outage of something that may well be Looker (maintenance, a proxy in front), not proof it is not.
      if (response.status >= 500) throw lookerErrors.unavailable(`GET /versions answered HTTP ${response.status}`, response.status);
      if (response.status !== 200) {
        throw lookerErrors.notLooker(`GET /versions answered HTTP ${response.status}`);
      }
      return parseVersions(response);
    });
  }

  /** Makes sure a valid token is in the shared store and returns only its expiry. */
  ensureToken(): Promise<{ expiresAt: Date }> {
    return this.guard(async () => {
      const token = await this.currentToken();
      return { expiresAt: token.expiresAt };
    });
  }

  me(): Promise<LookerUser> {
    return this.guard(async () => {
      const { body } = await this.getJson('/user', { query: { fields: 'id,display_name,first_name,last_name,email' }, maxBytes: this.limits.smallBytes });
      if (!isRecord(body) || body.id === undefined || body.id === null) throw lookerErrors.malformed('GET /user returned no user');
      const name = [body.first_name, body.last_name].filter((part) => typeof part === 'string' && part).join(' ');
      return {
        id: scalarString(body.id),
        displayName: typeof body.display_name === 'string' ? body.display_name : name || null,
        email: typeof body.email === 'string' ? body.email : null,
      };
    });
  }

  /**
   * Looks whose title contains `title` (case-insensitive), one page at a time, sorted by title.
   * `%` and `_` in `title` act as Looker's LIKE wildcards (Looker documents no escape), which can
   * only widen the match. `hasMore` comes from X-Total-Count when Looker sends it, else from a
   * full page.
   */
  searchLooks(options: { title?: string; limit: number; offset: number }): Promise<{ looks: LookSummary[]; hasMore: boolean }> {
    return this.guard(async () => {
      const { body, headers } = await this.getJson('/looks/search', {
        query: {
          title: options.title ? `%${options.title}%` : undefined,
          fields: 'id,title,description,folder(id,name),updated_at',
          sorts: 'title',
          limit: options.limit,
          offset: options.offset,
        },
      });
      if (!Array.isArray(body)) throw lookerErrors.malformed('GET /looks/search did not return a list');
      const total = Number(headerValue(headers['x-total-count']) ?? Number.NaN);
      const hasMore = Number.isInteger(total) ? options.offset + body.length < total : body.length >= options.limit;
      return { looks: body.filter(isRecord).map(toLookSummary), hasMore };
    });
  }

  getLook(lookId: string): Promise<LookDetail> {
    return this.guard(async () => {
      const { body } = await this.getJson(`/looks/${encodeURIComponent(lookId)}`, { notFound: () => lookerErrors.lookNotFound(lookId) });
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
    });
  }

  /**
   * The Look's fields with types, from a one-row json_detail run (covers table calculations too).
   * A query like a Look run: it waits for a query slot, at most the metadata timeout. Served from
   * the fields cache when the client has one, unless `fresh` (a source change checks Looker as it
   * is now).
   */
  lookFields(lookId: string, options: { fresh?: boolean } = {}): Promise<LookerFieldMeta[]> {
    const load = () => this.gated(() => this.fetchLookFields(lookId), { maxWaitMs: this.requestTimeoutMs });
    return this.options.fieldsCache && !options.fresh ? this.options.fieldsCache.get(lookId, load) : load();
  }

  private fetchLookFields(lookId: string): Promise<LookerFieldMeta[]> {
    return this.guard(async () => {
      const { body } = await this.getJson(`/looks/${encodeURIComponent(lookId)}/run/json_detail`, {
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
    });
  }

  /**
   * Runs the Look and returns its rows (json format, unformatted values), read as a stream: at most
   * `limit` rows of at most `rowBytes` each; with `fields`, every row but the first (kept whole
   * for the parser's diagnostics) keeps only those fields, within `limit` × keptBytesPerRow.
   * More is refused (RequestRejected). An answer that is not an array comes back as it is.
   * `signal` abandons the query early (the activity was cancelled), besides the timeout. The run
   * waits for a query slot first, until `signal` or at most `maxSlotWaitMs` when given (a caller
   * that answers a person).
   */
  async runLook(lookId: string, options: { limit: number; fields?: readonly string[]; signal?: AbortSignal; maxSlotWaitMs?: number }): Promise<unknown> {
    return (await this.gated(() => this.fetchLookRun(lookId, options), { signal: options.signal, maxWaitMs: options.maxSlotWaitMs })).rows;
  }

  /**
   * Like `runLook`, for a run shared by several metrics: keeps every column of the rows while
   * their JSON fits the bound `fields` alone would have, so that a metric on another column of the
   * Look is served too; past that bound, only `fields` (then `allColumns` is false).
   */
  runLookAllColumns(lookId: string, options: { limit: number; fields: readonly string[]; signal?: AbortSignal }): Promise<LookRunRows> {
    return this.gated(() => this.fetchLookRun(lookId, { ...options, allColumns: true }), { signal: options.signal });
  }

  private fetchLookRun(lookId: string, options: { limit: number; fields?: readonly string[]; allColumns?: boolean; signal?: AbortSignal }): Promise<LookRunRows> {
    return this.guard(async () => {
      const path = `/looks/${encodeURIComponent(lookId)}/run/json`;
      const response = await this.authorized(path, {
        query: { limit: options.limit, apply_formatting: false, apply_vis: false, cache: true },
        timeoutMs: this.runTimeoutMs,
        signal: options.signal,
      });
      if (!isSuccess(response.status)) {
        this.throwForAnswer(await this.readAll(response, this.limits.smallBytes, `GET ${path}`), `GET ${path}`, () => lookerErrors.lookNotFound(lookId));
      }
      const rows: unknown[] = [];
      const keptLimit = options.limit * keptBytesPerRow * Math.max(1, Math.ceil((options.fields?.length ?? 2) / 2));
      const { fields } = options;
      let allColumns = options.allColumns === true || !fields;
      let kept = 0;
      // Whole rows are counted by their JSON text: keys and all, whatever a hostile answer puts in them.
      const keep = (text: string) => {
        if (rows.length >= options.limit) throw lookerErrors.tooManyRows(options.limit);
        const row = parseJson(text, () => lookerErrors.malformed(`GET ${path} did not return valid JSON`));
        if (rows.length === 0 || allColumns) {
          kept += rows.length === 0 ? 0 : text.length;
          rows.push(row);
        } else {
          const projected = pickFields(row, fields!);
          kept += keptSize(projected);
          rows.push(projected);
        }
        if (kept > keptLimit && allColumns && fields) {
          // Too wide to keep whole: from here on (and for the rows kept so far) only `fields`.
          allColumns = false;
          kept = 0;
          for (let index = 1; index < rows.length; index++) {
            rows[index] = pickFields(rows[index], fields);
            kept += keptSize(rows[index]);
          }
        }
        if (kept > keptLimit) throw lookerErrors.runTooLarge(options.limit, keptLimit);
      };
      try {
        const document = await readJsonArray(response.body, { maxElementBytes: this.limits.rowBytes, maxOtherBytes: this.limits.metadataBytes, onElement: keep });
        if (document.kind === 'array') return { rows, allColumns };
        return { rows: parseJson(document.text, () => lookerErrors.malformed(`GET ${path} did not return valid JSON`)), allColumns: false };
      } catch (error) {
        abandon(response.body);
        if (error instanceof JsonStreamError) {
          if (error.limit === 'element') throw lookerErrors.rowTooLarge(this.limits.rowBytes);
          if (error.limit === 'other') throw lookerErrors.responseTooLarge(`GET ${path}`, this.limits.metadataBytes);
          throw lookerErrors.malformed(`GET ${path} did not return valid JSON (${error.message})`);
        }
        throw toTransportError(error, response.timeoutMs);
      }
    });
  }

  /**
   * Full credential check for the "test connection" screen: Looker API, then a real login (never
   * a token cached from earlier credentials), then the user.
   */
  checkCredentials(): Promise<{ user: LookerUser; lookerReleaseVersion: string }> {
    return this.guard(async () => {
      const { lookerReleaseVersion } = await this.versions();
      const stored = await this.options.tokenStore.read();
      if (stored) this.remember(stored.accessToken);
      this.remember((await this.options.tokenStore.refresh(() => this.login(), stored?.accessToken)).accessToken);
      return { user: await this.me(), lookerReleaseVersion };
    });
  }

  /** Runs a Looker query inside the integration's query slot, when the client has a gate. */
  private gated<T>(fn: () => Promise<T>, options: { signal?: AbortSignal; maxWaitMs?: number }): Promise<T> {
    return this.options.queryGate ? this.guard(() => this.options.queryGate!.run(fn, options)) : fn();
  }

  /** GETs JSON with the shared token; a 404 is `notFound()` (or "not Looker"), other failures by status. */
  private async getJson(
    path: string,
    options: CallOptions & { notFound?: () => LookerError; maxBytes?: number } = {},
  ): Promise<{ body: unknown; headers: RawResponse['headers'] }> {
    const response = await this.authorized(path, options);
    const limit = isSuccess(response.status) ? (options.maxBytes ?? this.limits.metadataBytes) : this.limits.smallBytes;
    const raw = await this.readAll(response, limit, `GET ${path}`);
    this.throwForAnswer(raw, `GET ${path}`, options.notFound);
    const body = parseJson(raw.body, () => lookerErrors.malformed(`GET ${path} did not return valid JSON`));
    return { body, headers: raw.headers };
  }

  /** Throws for anything but a 2xx: a 404 is `notFound()` (or "not Looker"), other failures by status. */
  private throwForAnswer(response: RawResponse, what: string, notFound?: () => LookerError): void {
    if (response.status === 404) throw notFound?.() ?? lookerErrors.notLooker(`${what} answered 404`);
    this.throwForStatus(response);
  }

  /** Sends with the shared token; on 401 invalidates it, logs in once more and retries once. */
  private async authorized(path: string, options: CallOptions): Promise<OpenResponse> {
    const token = await this.currentToken();
    const first = await this.open(path, { ...options, token: token.accessToken });
    if (first.status !== 401) return first;
    abandon(first.body);
    await this.options.tokenStore.invalidate(token.accessToken);
    const fresh = await this.options.tokenStore.refresh(() => this.login(), token.accessToken);
    this.remember(fresh.accessToken);
    const second = await this.open(path, { ...options, token: fresh.accessToken });
    if (second.status === 401) {
      abandon(second.body);
      throw lookerErrors.tokenExpired();
    }
    return second;
  }

  /** The stored token while it is fresh; otherwise one login shared by every caller (see TokenStore). */
  private async currentToken(): Promise<StoredToken> {
    const stored = await this.options.tokenStore.read();
    if (stored) this.remember(stored.accessToken);
    if (stored && isTokenFresh(stored, this.now())) return stored;
    const fresh = await this.options.tokenStore.refresh(() => this.login(), stored?.accessToken);
    this.remember(fresh.accessToken);
    return fresh;
  }

  private async login(): Promise<StoredToken> {
    const response = await this.send('/login', {
      method: 'POST',
      auth: false,
      maxBytes: this.limits.smallBytes,
      form: { client_id: this.options.clientId, client_secret: this.options.clientSecret },
    });
    if (response.status === 404) {
      const body = parseJson(response.body, () => undefined);
      // Looker answers bad credentials with a JSON 404; any other 404 means this is not Looker's API.
      if (isRecord(body) && 'message' in body) throw lookerErrors.credentialsRejected();
      throw lookerErrors.notLooker('POST /login answered 404 without a Looker error body');
    }
    this.throwForStatus(response);
    const body = parseJson(response.body, () =>
      // A JSON answer cut short is a transport problem; anything else (an HTML page) is not Looker.
      isJsonContentType(response) ? lookerErrors.malformed('POST /login returned broken JSON') : lookerErrors.notLooker('POST /login did not return JSON'),
    );
    if (!isRecord(body) || typeof body.access_token !== 'string' || typeof body.expires_in !== 'number') {
      throw lookerErrors.notLooker('POST /login did not return an access token');
    }
    this.remember(body.access_token);
    return { accessToken: body.access_token, expiresAt: new Date(this.now() + body.expires_in * 1000) };
  }

  private throwForStatus(response: RawResponse): void {
    const { status } = response;
    if (status >= 200 && status < 300) return;
    throwForRedirect(response);
    if (status === 429) throw lookerErrors.rateLimited(retryAfterMs(response.headers['retry-after'], this.now()));
    if (status === 401) throw lookerErrors.tokenExpired();
    if (status >= 500) throw lookerErrors.unavailable(`HTTP ${status}`, status);
    throw lookerErrors.requestRejected(status, lookerMessage(response.body));
  }

  /** Runs a public method; whatever it throws leaves with the secret and tokens scrubbed. */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof Error) {
        error.message = this.scrub(error.message);
        if (error.stack !== undefined) error.stack = this.scrub(error.stack);
      }
      throw error;
    }
  }

  /** Replaces the client secret (raw and URL-encoded) and known access tokens in text a server could have echoed. */
  private scrub(text: string): string {
    const secret = this.options.clientSecret;
    const secrets = [secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2), ...this.knownTokens]
      .filter((value) => value.length >= 4)
      .sort((a, b) => b.length - a.length);
    return secrets.reduce((out, value) => out.split(value).join('[redacted]'), text);
  }

  private remember(token: string): void {
    if (this.knownTokens.includes(token)) return;
    this.knownTokens.unshift(token);
    this.knownTokens.length = Math.min(this.knownTokens.length, rememberedTokens);
  }

  /** Sends and reads the whole answer, refusing one larger than `maxBytes`. */
  private async send(path: string, options: CallOptions & { token?: string; maxBytes: number }): Promise<RawResponse> {
    const response = await this.open(path, options);
    return this.readAll(response, options.maxBytes, `${options.method ?? 'GET'} ${path}`);
  }

  /** Sends the request and returns once the headers are in; the body is still streaming. */
  private async open(path: string, options: CallOptions & { token?: string }): Promise<OpenResponse> {
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
    const started = performance.now();
    const observe = (outcome: string) =>
      this.options.onRequest?.({ endpoint: `${options.method ?? 'GET'} ${endpointTemplate(path)}`, outcome, seconds: (performance.now() - started) / 1000 });
    const call = startLookerCallSpan(options.method ?? 'GET', path);
    try {
      // undici's request never follows redirects: a 3xx comes back to us and fails (see throwForRedirect).
      const response = await request(url, {
        method: options.method ?? 'GET',
        headers,
        body,
        dispatcher: this.options.dispatcher,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: options.signal ? AbortSignal.any([AbortSignal.timeout(timeoutMs), options.signal]) : AbortSignal.timeout(timeoutMs),
      });
      observe(statusOutcome(response.statusCode));
      // Read to the end or abandoned, the body closes either way.
      response.body.once('close', () => call.finish(response.statusCode));
      return { status: response.statusCode, headers: response.headers, body: response.body, timeoutMs };
    } catch (error) {
      call.finish(undefined, error);
      const failure = toTransportError(error, timeoutMs);
      observe(failure.name === 'AddressRefusedError' ? 'refused' : options.signal?.aborted ? 'cancelled' : isTimeout(error) ? 'timeout' : 'network');
      throw failure;
    }
  }

  /** Reads a whole body as UTF-8, refusing (and abandoning) one larger than `limit` bytes. */
  private async readAll(response: OpenResponse, limit: number, what: string): Promise<RawResponse> {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > limit) throw lookerErrors.responseTooLarge(what, limit);
        chunks.push(chunk);
      }
    } catch (error) {
      abandon(response.body);
      throw toTransportError(error, response.timeoutMs);
    }
    return { status: response.status, headers: response.headers, body: Buffer.concat(chunks, size).toString('utf8') };
  }
}

/** Stops reading an answer and closes its connection; undici then reports an abort nobody needs. */
function abandon(body: OpenResponse['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/** The row with only `fields` (those it has); anything but an object is kept for the parser to refuse. */
export function pickFields(row: unknown, fields: readonly string[]): unknown {
  if (!isRecord(row)) return row;
  const picked: Record<string, unknown> = {};
  for (const field of fields) if (Object.hasOwn(row, field)) picked[field] = row[field];
  return picked;
}

/** About how many bytes of the answer a kept row holds on to. */
function keptSize(row: unknown): number {
  if (!isRecord(row)) return JSON.stringify(row)?.length ?? 0;
  let size = 0;
  for (const value of Object.values(row)) size += typeof value === 'string' ? value.length : (JSON.stringify(value)?.length ?? 0);
  return size;
}

function parseVersions(response: RawResponse): { lookerReleaseVersion: string; apiVersions: string[] } {
  const body = parseJson(response.body, () =>
    isJsonContentType(response) ? lookerErrors.malformed('GET /versions returned broken JSON') : lookerErrors.notLooker('GET /versions did not return JSON'),
  );
  if (!isRecord(body) || !isRecord(body.current_version) || typeof body.looker_release_version !== 'string') {
    throw lookerErrors.notLooker('GET /versions did not describe Looker API versions');
  }
  const supported = Array.isArray(body.supported_versions) ? body.supported_versions : [];
  return {
    lookerReleaseVersion: body.looker_release_version,
    apiVersions: supported.filter(isRecord).map((v) => String(v.version)),
  };
}

/** Looker's API never redirects; one that does is a web front end, a proxy or an attacker. Not followed. */
function throwForRedirect(response: RawResponse): void {
  if (response.status < 300 || response.status >= 400) return;
  const location = headerValue(response.headers.location);
  const target = location === undefined ? '' : ` to ${truncate(location.replace(/[?#].*$/s, ''), 200)}`;
  throw lookerErrors.notLooker(`it answered HTTP ${response.status}, a redirect${target}, which is not followed`);
}

function isJsonContentType(response: RawResponse): boolean {
  return /\bjson\b/i.test(headerValue(response.headers['content-type']) ?? '');
}

function headerValue(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header;
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length)}…` : text;
}

/**
 * Retry-After is delay-seconds or an HTTP date (header names arrive lower-cased from undici, so
 * any spelling of the name works). Anything else, or no header, means a conservative 30 s.
 */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (value === undefined || value === '') return 30_000;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  // Only a real date: Date.parse alone would read "1.5" or "soon 7" as some day in 2001.
  const date = /^[a-z]{3,9},? /i.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(date) ? 30_000 : Math.max(0, date - now);
}

/** The path with its Look id replaced, so the endpoint is a bounded label. */
function endpointTemplate(path: string): string {
  return path === '/looks/search' ? path : path.replace(/^\/looks\/[^/]+/, '/looks/{id}');
}

function statusOutcome(status: number): string {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 401 || status === 404 || status === 429) return `http_${status}`;
  return `http_${Math.floor(status / 100)}xx`;
}

function isTimeout(error: unknown): boolean {
  return (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError ||
    (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
  );
}

function toTransportError(error: unknown, timeoutMs: number): Error {
  if (error instanceof LookerError) return error;
  if (error instanceof Error && error.name === 'AddressRefusedError') return error;
  if (isTimeout(error)) return lookerErrors.unavailable(`no answer within ${Math.round(timeoutMs / 1000)} s`);
  const code = error instanceof Error && 'code' in error ? String(error.code) : undefined;
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  if (cause?.name === 'AddressRefusedError') return cause;
  return lookerErrors.networkFailure(code ? `network error ${code}` : `network error (${error instanceof Error ? error.message : String(error)})`, code);
}

function lookerMessage(body: string): string {
  const parsed = parseJson(body, () => undefined);
  if (isRecord(parsed) && typeof parsed.message === 'string') {
    const details = Array.isArray(parsed.errors)
      ? parsed.errors.filter(isRecord).map((e) => `${String(e.field)}: ${String(e.message)}`)
      : [];
    return truncate([parsed.message, ...details].join('; '), maxQuotedLength);
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
