import { randomBytes } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { generateEncryptionKey } from '../../src/crypto/secret-box';
import { createEncryptionCodec, encryptedEncoding, keyIdMetadata, parsePayloadKeys } from '../../src/temporal/payload-codec';

const p1 = `p1:${generateEncryptionKey()}`;
const p2 = `p2:${generateEncryptionKey()}`;
const input = { metricId: '7d1f0e0a-1c2b-4d3e-8f40-5a6b7c8d9e0f', lookId: '4711', valueField: 'orders.total_revenue', rowsRead: 40 };
const payloadOf = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

describe('payload codec (AES-256-GCM, TEMPORAL_PAYLOAD_KEYS)', () => {
  it('encrypts the whole payload, metadata included, names the key, and decodes it back', async () => {
    const codec = createEncryptionCodec(parsePayloadKeys(p1));
    const [encoded] = await codec.encode([payloadOf(input)]);
    expect(text(encoded?.metadata?.encoding)).toBe(encryptedEncoding);
    expect(text(encoded?.metadata?.[keyIdMetadata])).toBe('p1');
    const visible = `${text(encoded?.data)}${Object.values(encoded?.metadata ?? {}).map(text).join()}`;
    for (const plain of ['orders.total_revenue', '4711', input.metricId, 'json/plain', 'rowsRead']) expect(visible).not.toContain(plain);
    const [decoded] = await codec.decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(input);
  });

  it('after a rotation encrypts with the new key and still decrypts what the old key encrypted', async () => {
    const [old] = await createEncryptionCodec(parsePayloadKeys(p1)).encode([payloadOf(input)]);
    const rotated = createEncryptionCodec(parsePayloadKeys(`${p2},${p1}`));
    const [fresh] = await rotated.encode([payloadOf(input)]);
    expect(text(fresh?.metadata?.[keyIdMetadata])).toBe('p2');
    const decoded = await rotated.decode([old!, fresh!]);
    expect(decoded.map((payload) => defaultPayloadConverter.fromPayload(payload))).toEqual([input, input]);
  });

  it('passes payloads written before the codec through unchanged', async () => {
    const plain = payloadOf(input);
    const [decoded] = await createEncryptionCodec(parsePayloadKeys(p1)).decode([plain]);
    expect(decoded).toBe(plain);
  });

  it('refuses a payload under a key it does not hold, or altered, naming the key and nothing of the content', async () => {
    const [encoded] = await createEncryptionCodec(parsePayloadKeys(p1)).encode([payloadOf(input)]);
    await expect(createEncryptionCodec(parsePayloadKeys(p2)).decode([encoded!])).rejects.toThrow(
      'cannot decrypt a payload sealed with key "p1" (unknown key id p1): is it in TEMPORAL_PAYLOAD_KEYS?',
    );
    const altered = { ...encoded!, data: Buffer.from(encoded!.data!).fill(0, 20, 21) };
    await expect(createEncryptionCodec(parsePayloadKeys(p1)).decode([altered])).rejects.toThrow('ciphertext was tampered with or the key is wrong');
    const relabelled = { ...encoded!, metadata: { ...encoded!.metadata, [keyIdMetadata]: Buffer.from('p2') } };
    await expect(createEncryptionCodec(parsePayloadKeys(`${p1},p2:${randomBytes(32).toString('base64')}`)).decode([relabelled])).rejects.toThrow(
      'key "p2"',
    );
  });

  it('reads its keys like ENCRYPTION_KEYS, naming TEMPORAL_PAYLOAD_KEYS in errors without echoing key material', () => {
    expect(() => parsePayloadKeys('p1:c2hvcnQ=')).toThrow('TEMPORAL_PAYLOAD_KEYS entry 1 (key id "p1"): key must be 32 bytes, got 5');
    expect(() => parsePayloadKeys('')).toThrow('TEMPORAL_PAYLOAD_KEYS is empty');
    expect(() => parsePayloadKeys(`${p1},${p1}`)).toThrow('TEMPORAL_PAYLOAD_KEYS: key id "p1" appears twice');
  });
});
