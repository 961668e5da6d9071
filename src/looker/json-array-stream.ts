/**
 * Reads a JSON document that arrives in chunks and, when it is an array, hands over its elements
 * one at a time, as their JSON text: the caller parses and keeps what it needs, so the whole body
 * is never held. Only one element (at most `maxElementBytes`) is buffered at a time. A document
 * that is not an array (a Looker error object) is buffered whole, up to `maxOtherBytes`.
 */

export type JsonStreamLimit = 'element' | 'other';

export class JsonStreamError extends Error {
  constructor(
    readonly reason: 'limit' | 'syntax',
    message: string,
    readonly limit?: JsonStreamLimit,
  ) {
    super(message);
    this.name = 'JsonStreamError';
  }
}

export type JsonDocument = { kind: 'array'; elements: number } | { kind: 'other'; text: string };

const [space, tab, lf, cr, comma, quote, backslash] = [0x20, 0x09, 0x0a, 0x0d, 0x2c, 0x22, 0x5c];
const [openBracket, closeBracket, openBrace, closeBrace] = [0x5b, 0x5d, 0x7b, 0x7d];
const isSpace = (byte: number) => byte === space || byte === tab || byte === lf || byte === cr;

export async function readJsonArray(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  options: { maxElementBytes: number; maxOtherBytes: number; onElement(text: string): void },
): Promise<JsonDocument> {
  let mode: 'start' | 'array' | 'other' | 'done' = 'start';
  const other: Buffer[] = [];
  let otherBytes = 0;
  // Inside the array: the element being read (pieces of chunks), its nesting depth and string state.
  let pieces: Buffer[] = [];
  let elementBytes = 0;
  let inElement = false;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let elements = 0;
  // After each element: a comma or the closing bracket must come before the next one.
  let expectValue = true;

  const finishElement = () => {
    options.onElement(Buffer.concat(pieces, elementBytes).toString('utf8'));
    elements++;
    pieces = [];
    elementBytes = 0;
    inElement = false;
    expectValue = false;
  };
  const addPiece = (piece: Buffer) => {
    elementBytes += piece.length;
    if (elementBytes > options.maxElementBytes) {
      throw new JsonStreamError('limit', `an element is larger than ${options.maxElementBytes} bytes`, 'element');
    }
    pieces.push(piece);
  };

  for await (const chunk of chunks) {
    let index = 0;
    if (mode === 'start') {
      while (index < chunk.length && isSpace(chunk[index] as number)) index++;
      if (index === chunk.length) continue;
      if (chunk[index] === openBracket) {
        mode = 'array';
        index++;
      } else {
        mode = 'other';
      }
    }
    if (mode === 'other') {
      otherBytes += chunk.length - index;
      if (otherBytes > options.maxOtherBytes) throw new JsonStreamError('limit', `the document is larger than ${options.maxOtherBytes} bytes`, 'other');
      other.push(chunk.subarray(index));
      continue;
    }
    let elementStart = inElement ? index : -1;
    for (; index < chunk.length; index++) {
      const byte = chunk[index] as number;
      if (mode === 'done') {
        if (!isSpace(byte)) throw new JsonStreamError('syntax', 'data after the end of the array');
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === backslash) escaped = true;
        else if (byte === quote) inString = false;
        continue;
      }
      if (!inElement) {
        if (isSpace(byte)) continue;
        if (byte === comma && !expectValue) {
          expectValue = true;
          continue;
        }
        if (byte === closeBracket && (elements === 0 || !expectValue)) {
          mode = 'done';
          continue;
        }
        if (!expectValue || byte === comma || byte === closeBracket) throw new JsonStreamError('syntax', 'a misplaced comma or bracket');
        inElement = true;
        elementStart = index;
      }
      if (byte === quote) inString = true;
      else if (byte === openBrace || byte === openBracket) depth++;
      else if (byte === closeBrace || byte === closeBracket) {
        if (depth > 0) depth--;
        else {
          // The array's own closing bracket right after a scalar element.
          addPiece(chunk.subarray(elementStart, index));
          finishElement();
          mode = 'done';
        }
      } else if (byte === comma && depth === 0) {
        addPiece(chunk.subarray(elementStart, index));
        finishElement();
        expectValue = true;
      }
    }
    if (inElement) addPiece(chunk.subarray(elementStart));
  }

  if (mode === 'other') return { kind: 'other', text: Buffer.concat(other, otherBytes).toString('utf8') };
  if (mode === 'start') return { kind: 'other', text: '' };
  if (mode !== 'done') throw new JsonStreamError('syntax', 'the array is cut short');
  return { kind: 'array', elements };
}
