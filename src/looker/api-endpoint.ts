/**
 * Turns the Looker API endpoint a person pastes into the one canonical form the client uses,
 * `https://host[:port]/api/4.0`, or explains exactly what is wrong with it. The rules, and why,
 * are listed in docs/parsing.md ("API endpoint").
 */

export type NormalisedApiEndpoint =
  | { ok: true; apiEndpoint: string; /** set when we had to assume something the user should know */ note?: string }
  | { ok: false; problem: string };

export interface NormaliseApiEndpointOptions {
  /**
   * Hosts that may be reached over plain `http://` besides loopback ones, as `host` (any port) or
   * `host:port` entries — e.g. a TLS-terminating proxy inside the cluster. Everything else must use https.
   */
  allowInsecureHosts?: readonly string[];
}

const API_PATH = '/api/4.0';
const EXAMPLE = 'https://mycompany.cloud.looker.com';

/** First path segments of Looker's web UI: a URL copied from the browser address bar. */
const UI_PATH_SEGMENTS = new Set([
  'account', 'admin', 'boards', 'browse', 'dashboards', 'dashboards-next', 'embed', 'explore',
  'extensions', 'folders', 'login', 'looks', 'marketplace', 'projects', 'spaces', 'sql', 'x',
]);

export function normaliseApiEndpoint(
  input: string,
  options: NormaliseApiEndpointOptions = {},
): NormalisedApiEndpoint {
  const text = input.trim();
  const problem = problemWithText(text);
  if (problem !== undefined) return { ok: false, problem };

  const url = parseUrl(withDefaultScheme(text));
  if (url === undefined) {
    return { ok: false, problem: `"${text}" is not a valid URL. Enter the Looker API host, e.g. ${EXAMPLE}.` };
  }

  const urlProblem =
    problemWithScheme(url) ??
    problemWithCredentials(url) ??
    problemWithQueryOrFragment(text) ??
    problemWithInsecureHttp(url, options.allowInsecureHosts ?? []);
  if (urlProblem !== undefined) return { ok: false, problem: urlProblem };

  const path = interpretPath(url);
  if ('problem' in path) return { ok: false, problem: path.problem };

  // URL parsing already lower-cased the host and dropped the scheme's default port.
  const apiEndpoint = `${url.protocol}//${url.host}${API_PATH}`;
  return path.note === undefined ? { ok: true, apiEndpoint } : { ok: true, apiEndpoint, note: path.note };
}

function problemWithText(text: string): string | undefined {
  if (text === '') return `The API endpoint is empty. Enter the Looker API host, e.g. ${EXAMPLE}.`;
  if (/\s/.test(text)) return `The API endpoint "${text}" contains spaces. Remove them; a host name never has spaces.`;
  // "https:/host" or "https:host" would otherwise get https:// prepended and name a host called "https".
  const scheme = /^([a-z][a-z\d+.-]*):(?!\/\/|\d)/i.exec(text)?.[1];
  if (scheme !== undefined) return `The API endpoint "${text}" is missing "//" after "${scheme}:". Enter it as ${scheme.toLowerCase()}://host, e.g. ${EXAMPLE}.`;
  return undefined;
}

/** A bare host (`mycompany.cloud.looker.com`, `host:19999`) means https, the only scheme Looker serves its API on. */
function withDefaultScheme(text: string): string {
  return /^[a-z][a-z\d+.-]*:\/\//i.test(text) ? text : `https://${text}`;
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function problemWithScheme(url: URL): string | undefined {
  if (url.protocol === 'https:' || url.protocol === 'http:') return undefined;
  return `The API endpoint uses "${url.protocol}//", which Looker does not serve. Use https://, e.g. ${EXAMPLE}.`;
}

function problemWithCredentials(url: URL): string | undefined {
  if (url.username === '' && url.password === '') return undefined;
  return 'The API endpoint contains a user name or password before "@". Remove it: enter the client ID and client secret in their own fields, never in the URL.';
}

// Checked on the raw text because URL drops an empty "?" or "#".
function problemWithQueryOrFragment(text: string): string | undefined {
  if (!text.includes('?') && !text.includes('#')) return undefined;
  return 'The API endpoint contains a query string ("?…") or fragment ("#…"). Remove everything from the "?" or "#" on.';
}

function problemWithInsecureHttp(url: URL, allowInsecureHosts: readonly string[]): string | undefined {
  if (url.protocol !== 'http:') return undefined;
  const hostname = normaliseHostname(url.hostname);
  if (isLoopbackHostname(hostname) || createHostMatcher(allowInsecureHosts)(hostname, defaultedPort(url))) {
    return undefined;
  }
  return `The API endpoint uses http://, which would send the client secret and access tokens unencrypted. Use https://${url.host} instead.`;
}

type PathInterpretation = { note?: string } | { problem: string };

function interpretPath(url: URL): PathInterpretation {
  const path = url.pathname.replace(/\/{2,}/g, '/').replace(/\/$/, ''); // pasted paths often have stray slashes
  if (path === '' || path === '/api' || path === API_PATH) return {};
  if (path.startsWith(`${API_PATH}/`)) {
    return { note: `Only the API base was kept: the path after ${API_PATH} ("${path.slice(API_PATH.length)}") was dropped.` };
  }

  const version = /^\/api\/([^/]+)/.exec(path)?.[1];
  if (version !== undefined) return { problem: problemWithApiVersion(version) };

  const firstSegment = path.split('/')[1] ?? '';
  if (UI_PATH_SEGMENTS.has(firstSegment)) {
    return {
      note:
        `This looks like a Looker web page ("${path}"), so the API is assumed to be on the same host: ${url.origin}${API_PATH}. ` +
        'That is right for instances serving the API on port 443 (Looker-hosted instances created since July 2020, and Looker (Google Cloud core)); ' +
        'if your admin set a different API Host URL (Admin → Platform → API) or your instance uses port 19999, enter that instead.',
    };
  }
  return {
    problem: `The API endpoint has an unexpected path "${path}". Enter just the API host (e.g. ${EXAMPLE}) or the host followed by ${API_PATH}.`,
  };
}

function problemWithApiVersion(version: string): string {
  if (version.startsWith('3.')) {
    return `The API endpoint points to Looker API ${version}, which Looker removed in release 23.18. Use ${API_PATH} instead (or just the host).`;
  }
  return `The API endpoint points to Looker API "${version}"; this service speaks Looker API 4.0. Use ${API_PATH} instead (or just the host).`;
}

function isLoopbackHostname(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    hostname === '::1' ||
    /^127\.\d+\.\d+\.\d+$/.test(hostname)
  );
}

function defaultedPort(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/* ------------------------------------------------------------------------------------------------
 * Host allow-lists (`host` or `host:port` entries), shared with the SSRF guard (LOOKER_ALLOWED_HOSTS).
 * ---------------------------------------------------------------------------------------------- */

export interface HostEntry {
  /** Normalised as URL parsing does it (lower case, IPv4 in dotted form), IPv6 without brackets. */
  hostname: string;
  /** Undefined = any port. */
  port?: number;
}

/**
 * Parses `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address. Throws on anything else,
 * so a typo in configuration fails loudly instead of silently allowing nothing.
 */
export function parseHostEntry(entry: string): HostEntry {
  const text = entry.trim();
  const match = /^(\[[^\]]+\]|[^:[\]/\s@]+)(?::(\d{1,5}))?$/.exec(text);
  const hostText = match?.[1] ?? (isBareIPv6(text) ? `[${text}]` : undefined);
  const url = hostText === undefined ? undefined : parseUrl(`http://${hostText}`);
  const port = match?.[2] === undefined ? undefined : Number(match[2]);
  if (url === undefined || (port !== undefined && (port < 1 || port > 65535))) {
    throw new Error(`Invalid host entry "${entry}": use "host" or "host:port", e.g. looker.internal or 10.1.2.3:19999.`);
  }
  return port === undefined ? { hostname: normaliseHostname(url.hostname) } : { hostname: normaliseHostname(url.hostname), port };
}

/** Returns a predicate telling whether `hostname:port` is covered by one of the entries. */
export function createHostMatcher(entries: readonly string[]): (hostname: string, port: number) => boolean {
  const parsed = entries.map(parseHostEntry);
  return (hostname, port) => {
    const wanted = normaliseHostname(hostname);
    return parsed.some((entry) => entry.hostname === wanted && (entry.port === undefined || entry.port === port));
  };
}

/** The form URL parsing gives a host (so `0x7f.1` equals `127.0.0.1`), with IPv6 brackets removed. */
export function normaliseHostname(hostname: string): string {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1');
  const url = parseUrl(`http://${isBareIPv6(bare) ? `[${bare}]` : bare}`);
  return (url?.hostname ?? bare.toLowerCase()).replace(/^\[(.*)\]$/, '$1');
}

function isBareIPv6(text: string): boolean {
  return (text.match(/:/g)?.length ?? 0) >= 2 && !text.includes('[');
}
