import * as z from 'zod';
import { API_PREFIX } from './errors';

/**
 * Which requests a fault applies to. All given conditions must hold; none given = every request.
 * Paths are API paths without the /api/4.0 prefix ("/looks/1/run/json", "/login", "/versions").
 */
const matcherSchema = z
  .object({
    method: z.string().optional(),
    path: z.string().optional(),
    pathPrefix: z.string().optional(),
    pathRegex: z.union([z.string(), z.instanceof(RegExp)]).optional(),
    /** A route template, e.g. "/looks/:look_id/run/:result_format". */
    route: z.string().optional(),
  })
  .strict();

const common = { match: matcherSchema.optional(), count: z.number().int().positive().optional() };

export const faultInputSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('latency'), ms: z.number().int().nonnegative(), ...common }).strict(),
  z
    .object({
      type: z.literal('error'),
      status: z.number().int().min(400).max(599).default(503),
      message: z.string().optional(),
      ...common,
    })
    .strict(),
  z
    .object({
      type: z.literal('rate-limit'),
      retryAfterSeconds: z.number().int().nonnegative().default(1),
      message: z.string().optional(),
      ...common,
    })
    .strict(),
  z.object({ type: z.literal('hang'), ...common }).strict(),
  z.object({ type: z.literal('malformed-json'), ...common }).strict(),
]);

export type RouteMatcher = z.input<typeof matcherSchema>;
export type FaultInput = z.input<typeof faultInputSchema>;
type ParsedFault = z.output<typeof faultInputSchema>;

export type Fault = ParsedFault & {
  id: string;
  /** Responses still to affect; null = until removed. */
  remaining: number | null;
  /** Requests this fault has affected so far. */
  hits: number;
  /** False once `count` is used up; hung requests stay parked until the fault is removed. */
  active: boolean;
};

export interface FaultTarget {
  method: string;
  /** API path without the /api/4.0 prefix. */
  path: string;
  /** Route template without the prefix, or the path when no route matched. */
  route: string;
}

export interface FaultPlan {
  latencyMs: number;
  /** The first matching non-latency fault, already counted. */
  action: Fault | null;
}

const stripPrefix = (p: string) => (p.startsWith(`${API_PREFIX}/`) ? p.slice(API_PREFIX.length) : p);

function matches(m: RouteMatcher | undefined, t: FaultTarget): boolean {
  if (!m) return true;
  if (m.method && m.method.toUpperCase() !== t.method) return false;
  if (m.path !== undefined && stripPrefix(m.path) !== t.path) return false;
  if (m.pathPrefix !== undefined && !t.path.startsWith(stripPrefix(m.pathPrefix))) return false;
  if (m.route !== undefined && stripPrefix(m.route) !== t.route) return false;
  if (m.pathRegex !== undefined) {
    const re = typeof m.pathRegex === 'string' ? new RegExp(m.pathRegex) : m.pathRegex;
    if (!re.test(t.path)) return false;
  }
  return true;
}

export class FaultRegistry {
  private faults: Fault[] = [];
  private nextId = 1;
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Validates (throws ZodError on bad input) and installs a fault; returns it with its id. */
  add(input: FaultInput): Fault {
    const parsed = faultInputSchema.parse(input);
    const fault: Fault = { ...parsed, id: `f${this.nextId++}`, remaining: parsed.count ?? null, hits: 0, active: true };
    this.faults.push(fault);
    return this.view(fault);
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    this.release(id);
    return this.faults.length < before;
  }

  clear(): void {
    const ids = this.faults.map((f) => f.id);
    this.faults = [];
    ids.forEach((id) => this.release(id));
  }

  list(): Fault[] {
    return this.faults.map((f) => this.view(f));
  }

  /** Decides what happens to a request and counts the faults it uses. */
  plan(target: FaultTarget): FaultPlan {
    let latencyMs = 0;
    let action: Fault | null = null;
    for (const fault of this.faults) {
      if (!fault.active || !matches(fault.match, target)) continue;
      if (fault.type === 'latency') {
        latencyMs += fault.ms;
        this.consume(fault);
      } else if (!action) {
        action = fault;
        this.consume(fault);
      }
    }
    return { latencyMs, action };
  }

  /** Resolves when the fault is removed or cleared, or when the request goes away. */
  waitForRelease(faultId: string, signal: AbortSignal): Promise<void> {
    if (!this.faults.some((f) => f.id === faultId) || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const set = this.waiters.get(faultId) ?? new Set();
      this.waiters.set(faultId, set);
      const done = () => {
        set.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      set.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private consume(fault: Fault): void {
    fault.hits++;
    if (fault.remaining !== null) {
      fault.remaining--;
      if (fault.remaining <= 0) fault.active = false;
    }
  }

  private release(id: string): void {
    const set = this.waiters.get(id);
    this.waiters.delete(id);
    set?.forEach((done) => done());
  }

  /** A JSON-safe copy (RegExp shown as its source). */
  private view(fault: Fault): Fault {
    const copy = { ...fault, match: fault.match ? { ...fault.match } : undefined };
    if (copy.match?.pathRegex instanceof RegExp) copy.match.pathRegex = copy.match.pathRegex.source;
    return copy;
  }
}
