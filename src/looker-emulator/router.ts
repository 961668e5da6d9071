import type { IncomingHttpHeaders } from 'node:http';
import type { EmulatorEnv } from './env';
import type { Reply } from './reply';

export interface RequestContext {
  env: EmulatorEnv;
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: string;
  params: Record<string, string>;
  /** The matched route's template (e.g. /api/4.0/looks/:look_id), used in documentation_url. */
  template: string;
  /** Bearer/token credential from the Authorization header, if any. */
  token: string | null;
  startedMs: number;
}

export interface RouteDef {
  method: 'GET' | 'POST' | 'DELETE';
  template: string;
  /** Whether a live access token is required (Looker: 401 "Requires authentication."). */
  auth: boolean;
  /** Counts towards runs in flight. */
  isRun?: boolean;
  handle(ctx: RequestContext): Reply | Promise<Reply>;
}

/** Finds the first route whose method and template (":name" segments capture) match the path. */
export function matchRoute<R extends { method: string; template: string }>(
  routes: readonly R[],
  method: string,
  path: string,
): { route: R; params: Record<string, string> } | undefined {
  const segments = path.split('/').filter(Boolean);
  for (const route of routes) {
    if (route.method !== method) continue;
    const parts = route.template.split('/').filter(Boolean);
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const ok = parts.every((part, i) => {
      const seg = segments[i] ?? '';
      if (part.startsWith(':')) {
        params[part.slice(1)] = safeDecode(seg);
        return true;
      }
      return part === seg;
    });
    if (ok) return { route, params };
  }
  return undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
