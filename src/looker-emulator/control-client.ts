import type { EmulatorControl } from './control';
import { CONTROL_HEADER, CONTROL_PREFIX } from './control-http';
import type { EmulatorCounters } from './counters';
import type { Fault, FaultInput } from './faults';
import type { Row } from './types';

export class ControlRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

type Async<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : never };

/** EmulatorControl over HTTP, for a process that did not start the emulator (e.g. vitest globalSetup). */
export type RemoteEmulatorControl = Async<EmulatorControl>;

/** Connects to /__emulator of an emulator at `url` (its base URL, with or without /api/4.0). */
export function connectEmulatorControl(url: string): RemoteEmulatorControl {
  const base = `${url.replace(/\/api\/4\.0\/?$/, '').replace(/\/$/, '')}${CONTROL_PREFIX}`;
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? { [CONTROL_HEADER]: '1' } : { [CONTROL_HEADER]: '1', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body, (_k, v: unknown) => (v instanceof RegExp ? v.source : v)),
    });
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const message = (parsed as { error?: string } | undefined)?.error ?? text;
      throw new ControlRequestError(`Looker emulator control ${method} ${path} failed (${res.status}): ${message}`, res.status);
    }
    return parsed;
  };
  const look = (id: string) => `/looks/${encodeURIComponent(id)}`;
  return {
    addFault: async (fault: FaultInput) => (await call('POST', '/faults', fault)) as Fault,
    removeFault: async (id: string) => {
      try {
        await call('DELETE', `/faults/${encodeURIComponent(id)}`);
        return true;
      } catch (err) {
        if (err instanceof ControlRequestError && err.status === 404) return false;
        throw err;
      }
    },
    clearFaults: async () => void (await call('DELETE', '/faults')),
    listFaults: async () => (await call('GET', '/faults')) as Fault[],
    expireTokens: async () => ((await call('POST', '/tokens/expire')) as { expired: number }).expired,
    setTokenTtl: async (seconds: number) => void (await call('PUT', '/tokens/ttl', { seconds })),
    counters: async () => (await call('GET', '/counters')) as EmulatorCounters,
    resetCounters: async () => void (await call('POST', '/counters/reset')),
    setLookRows: async (id: string, rows: Row[]) => void (await call('PUT', `${look(id)}/rows`, { rows })),
    appendLookRows: async (id: string, rows: Row[]) => void (await call('POST', `${look(id)}/rows`, { rows })),
    deleteLook: async (id: string) => void (await call('POST', `${look(id)}/delete`)),
    restoreLook: async (id: string) => void (await call('POST', `${look(id)}/restore`)),
    reset: async () => void (await call('POST', '/reset')),
  };
}
