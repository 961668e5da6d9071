import { lookerError } from '../errors';
import { parseFieldSelection, selectFields } from '../partial-fields';
import { jsonReply, type Reply } from '../reply';
import type { RequestContext } from '../router';

export function fail(ctx: RequestContext, status: number, message: string, headers: Record<string, string> = {}): Reply {
  return lookerError(status, message, { method: ctx.method, template: ctx.template }, headers);
}

/** 200 JSON honouring the `fields` partial-response parameter. */
export function okJson(ctx: RequestContext, value: unknown, headers: Record<string, string> = {}): Reply {
  return jsonReply(200, selectFields(value, parseFieldSelection(ctx.url.searchParams.get('fields'))), headers);
}

export class ParamError extends Error {}

/** Looker booleans accept only "true"/"false". */
export function boolParam(ctx: RequestContext, name: string): boolean | undefined {
  const raw = ctx.url.searchParams.get(name);
  if (raw === null || raw === '') return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ParamError(`${name} must be true or false`);
}

export function intParam(ctx: RequestContext, name: string): number | undefined {
  const raw = ctx.url.searchParams.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw.trim())) throw new ParamError(`${name} must be an integer`);
  return Number(raw);
}
