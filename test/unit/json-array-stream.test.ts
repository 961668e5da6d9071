import { describe, expect, it } from 'vitest';
import { JsonStreamError, readJsonArray } from '../../src/looker/json-array-stream';

/** Feeds `text` in chunks of `size` bytes (splitting multi-byte characters too). */
async function read(text: string, size: number, limits = { maxElementBytes: 1024, maxOtherBytes: 1024 }) {
  const bytes = Buffer.from(text, 'utf8');
  function* chunks() {
    for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
  }
  const elements: unknown[] = [];
  const document = await readJsonArray(chunks(), { ...limits, onElement: (element) => elements.push(JSON.parse(element)) });
  return { document, elements };
}

describe('readJsonArray', () => {
  const rows = [{ 'orders.date': '2026-01-01', value: 1.5, note: 'a, "quoted" ] } [ { text \\ é' }, [1, [2]], 'x', 3, null, { nested: { deep: [{}] } }];

  it('hands over every element of an array, whatever the chunk boundaries', async () => {
    const text = ` \n${JSON.stringify(rows, null, 1)} \n`;
    for (const size of [1, 2, 3, 7, 64, 4096]) {
      const { document, elements } = await read(text, size);
      expect(document).toEqual({ kind: 'array', elements: rows.length });
      expect(elements).toEqual(rows);
    }
    expect(await read('[]', 1)).toEqual({ document: { kind: 'array', elements: 0 }, elements: [] });
  });

  it('returns a document that is not an array whole', async () => {
    expect(await read('{"message":"Not found"}', 5)).toEqual({ document: { kind: 'other', text: '{"message":"Not found"}' }, elements: [] });
  });

  it('refuses an element or another document beyond its limit, and broken arrays', async () => {
    const limits = { maxElementBytes: 20, maxOtherBytes: 30 };
    await expect(read(`[{"a":"${'x'.repeat(30)}"}]`, 8, limits)).rejects.toMatchObject({ reason: 'limit', limit: 'element' });
    await expect(read(`{"a":"${'x'.repeat(40)}"}`, 8, limits)).rejects.toMatchObject({ reason: 'limit', limit: 'other' });
    for (const broken of ['[1,2', '[1,]', '[,1]', '[1] 2', '[{"a":1}']) {
      await expect(read(broken, 2), broken).rejects.toBeInstanceOf(JsonStreamError);
    }
    // Inside one element the caller's JSON.parse is the judge.
    await expect(read('[1 2]', 2)).rejects.toBeInstanceOf(SyntaxError);
  });
});
