import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Reply } from './reply';

const MAX_BODY_BYTES = 1_000_000;

export class BodyTooLargeError extends Error {}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes a reply honouring backpressure; stops quietly when the client goes away. */
export async function writeReply(res: ServerResponse, reply: Reply, signal: AbortSignal): Promise<void> {
  if (res.destroyed) return;
  res.statusCode = reply.status;
  for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
  const body = reply.body;
  if (body.kind === 'empty') {
    res.end();
    return;
  }
  if (body.kind === 'text') {
    res.setHeader('content-length', Buffer.byteLength(body.text));
    res.end(body.text);
    return;
  }
  for (const chunk of body.chunks) {
    if (res.destroyed || signal.aborted) return;
    if (!res.write(chunk)) {
      try {
        await once(res, 'drain', { signal });
      } catch {
        return; // aborted: the socket closed while we waited
      }
    }
  }
  res.end();
}
