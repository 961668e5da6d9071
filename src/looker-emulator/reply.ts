/** What a handler answers; the server writes it (and faults may rewrite it) in one place. */
export type ReplyBody =
  | { kind: 'empty' }
  | { kind: 'text'; text: string }
  /** Chunks are pulled lazily while the socket drains, so large results never sit in memory. */
  | { kind: 'stream'; chunks: Iterable<string> };

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: ReplyBody;
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': JSON_CONTENT_TYPE, ...headers }, body: { kind: 'text', text: JSON.stringify(value) } };
}

export function emptyReply(status: number, headers: Record<string, string> = {}): Reply {
  return { status, headers, body: { kind: 'empty' } };
}

export function textReply(status: number, contentType: string, text: string): Reply {
  return { status, headers: { 'content-type': contentType }, body: { kind: 'text', text } };
}

export function streamReply(status: number, contentType: string, chunks: Iterable<string>): Reply {
  return { status, headers: { 'content-type': contentType }, body: { kind: 'stream', chunks } };
}
