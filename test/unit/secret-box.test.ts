import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  SecretBoxError,
  createSecretBox,
  generateEncryptionKey,
  parseEncryptionKeys,
  sealedKeyId,
  type EncryptionKey,
} from '../../src/crypto/secret-box';

const newKey = (id: string): EncryptionKey => ({ id, key: randomBytes(32) });
const k1 = newKey('k1');
const k2 = newKey('k2');
const SECRET = 'looker-client-secret-Zq8vX!';

/** Flips one bit in byte `index` of the sealed value's part `part` (2 = iv, 3 = tag, 4 = ciphertext). */
function tamper(sealed: string, part: 2 | 3 | 4, index = 0): string {
  const parts = sealed.split(':');
  const bytes = Buffer.from(parts[part] ?? '', 'base64url');
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join(':');
}

function errorOf(fn: () => unknown): SecretBoxError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretBoxError);
    return error as SecretBoxError;
  }
  throw new Error('expected a SecretBoxError');
}

describe('SecretBox', () => {
  const box = createSecretBox({ current: k1 });

  it.each(['', 'a', SECRET, 'ünïcødé ✓ 🔑', 'x'.repeat(100_000), 'colons:in:the:plaintext'])('round-trips %#', (plaintext) => {
    expect(box.decrypt(box.encrypt(plaintext))).toBe(plaintext);
  });

  it('produces the self-describing v1 format with a 96-bit IV and a 128-bit tag', () => {
    const sealed = box.encrypt(SECRET);
    const [version, keyId, iv, tag, ciphertext] = sealed.split(':');
    expect([version, keyId]).toEqual(['v1', 'k1']);
    expect(Buffer.from(iv ?? '', 'base64url')).toHaveLength(12);
    expect(Buffer.from(tag ?? '', 'base64url')).toHaveLength(16);
    expect(Buffer.from(ciphertext ?? '', 'base64url')).toHaveLength(Buffer.byteLength(SECRET));
    expect(sealed).not.toContain(SECRET);
    expect(box.currentKeyId).toBe('k1');
  });

  it('uses a fresh IV every time', () => {
    const sealed = Array.from({ length: 50 }, () => box.encrypt(SECRET));
    expect(new Set(sealed.map((s) => s.split(':')[2])).size).toBe(50);
    expect(new Set(sealed).size).toBe(50);
  });

  it.each([
    ['iv', 2],
    ['tag', 3],
    ['ciphertext', 4],
  ] as const)('detects a flipped bit in the %s', (_name, part) => {
    const error = errorOf(() => box.decrypt(tamper(box.encrypt(SECRET), part)));
    expect(error.message).toBe('ciphertext was tampered with or the key is wrong');
  });

  it('detects a truncated tag rather than accepting it', () => {
    const parts = box.encrypt(SECRET).split(':');
    parts[3] = Buffer.from(parts[3] ?? '', 'base64url').subarray(0, 4).toString('base64url');
    expect(() => box.decrypt(parts.join(':'))).toThrow(/tampered/);
  });

  it('detects a relabelled key id even when both ids hold the same key', () => {
    const twin = createSecretBox({ current: { id: 'a', key: k1.key }, previous: [{ id: 'b', key: k1.key }] });
    const relabelled = twin.encrypt(SECRET).replace(/^v1:a:/, 'v1:b:');
    expect(() => twin.decrypt(relabelled)).toThrow(/tampered/);
  });

  it('fails with the wrong key', () => {
    const other = createSecretBox({ current: { id: 'k1', key: randomBytes(32) } });
    expect(() => other.decrypt(box.encrypt(SECRET))).toThrow(/tampered with or the key is wrong/);
  });

  describe('associated data', () => {
    it('round-trips with the same aad', () => {
      expect(box.decrypt(box.encrypt(SECRET, 'integration:42'), 'integration:42')).toBe(SECRET);
    });

    it.each([
      ['a different aad', 'integration:42', 'integration:43'],
      ['a missing aad', 'integration:42', undefined],
      ['an unexpected aad', undefined, 'integration:42'],
    ])('rejects %s', (_name, sealedWith, openedWith) => {
      expect(() => box.decrypt(box.encrypt(SECRET, sealedWith), openedWith)).toThrow(/tampered/);
    });

    it('treats an omitted aad like an empty one', () => {
      expect(box.decrypt(box.encrypt(SECRET), '')).toBe(SECRET);
    });
  });

  describe('key rotation', () => {
    const before = createSecretBox({ current: k1 });
    const after = createSecretBox({ current: k2, previous: [k1] });

    it('decrypts values sealed with a previous key and seals new ones with the current key', () => {
      const old = before.encrypt(SECRET, 'row-1');
      expect(after.decrypt(old, 'row-1')).toBe(SECRET);
      const fresh = after.encrypt(SECRET, 'row-1');
      expect(sealedKeyId(old)).toBe('k1');
      expect(sealedKeyId(fresh)).toBe('k2');
      expect(after.currentKeyId).toBe('k2');
    });

    it('names an unknown key id', () => {
      const sealedWithK2 = after.encrypt(SECRET);
      expect(errorOf(() => before.decrypt(sealedWithK2)).message).toBe('unknown key id k2');
    });
  });

  it.each([
    ['empty', ''],
    ['plaintext', SECRET],
    ['wrong version', 'v2:k1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA:AA'],
    ['too few parts', 'v1:k1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA'],
    ['too many parts', 'v1:k1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA:AA:AA'],
    ['not base64url', 'v1:k1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA:A+A/'],
  ])('rejects a malformed value (%s) without echoing it', (_name, sealed) => {
    const error = errorOf(() => box.decrypt(sealed));
    expect(error.message).toMatch(/^not a sealed secret/);
    if (sealed !== '') expect(error.message).not.toContain(sealed);
  });

  it('rejects bad keys on construction', () => {
    expect(() => createSecretBox({ current: { id: 'k1', key: randomBytes(16) } })).toThrow('key "k1" must be 32 bytes, got 16');
    expect(() => createSecretBox({ current: { id: 'bad:id', key: randomBytes(32) } })).toThrow(/key id must be/);
    expect(() => createSecretBox({ current: k1, previous: [{ id: 'k1', key: randomBytes(32) }] })).toThrow(
      'key id "k1" is used for two keys',
    );
  });

  it('is unaffected by later changes to the caller’s key buffer', () => {
    const key = Buffer.from(k1.key);
    const own = createSecretBox({ current: { id: 'k1', key } });
    const sealed = own.encrypt(SECRET);
    key.fill(0);
    expect(own.decrypt(sealed)).toBe(SECRET);
  });

  it('never puts plaintext, keys or aad into error messages', () => {
    const sealed = box.encrypt(SECRET, 'row-secret-aad');
    const messages = [
      errorOf(() => box.decrypt(tamper(sealed, 4), 'row-secret-aad')).message,
      errorOf(() => box.decrypt(sealed, 'other')).message,
      errorOf(() => createSecretBox({ current: k2 }).decrypt(sealed)).message,
    ];
    for (const message of messages) {
      for (const secret of [SECRET, 'row-secret-aad', k1.key.toString('base64'), k1.key.toString('hex'), k1.key.toString('base64url')]) {
        expect(message).not.toContain(secret);
      }
    }
  });
});

describe('sealedKeyId', () => {
  it('is undefined for anything that is not a sealed value', () => {
    expect(sealedKeyId(SECRET)).toBeUndefined();
    expect(sealedKeyId('v1:k1')).toBeUndefined();
  });
});

describe('parseEncryptionKeys', () => {
  const b64 = (key: Buffer): string => key.toString('base64');

  it('takes the first key as current and the rest as previous', () => {
    const parsed = parseEncryptionKeys(`k2:${b64(k2.key)}, k1:${b64(k1.key)}`);
    expect(parsed.current).toEqual(k2);
    expect(parsed.previous).toEqual([k1]);
  });

  it('accepts a single key and unpadded base64', () => {
    const parsed = parseEncryptionKeys(`main:${b64(k1.key).replace(/=+$/, '')}`);
    expect(parsed).toEqual({ current: { id: 'main', key: k1.key }, previous: [] });
  });

  it('works with generateEncryptionKey and createSecretBox', () => {
    const box = createSecretBox(parseEncryptionKeys(`k3:${generateEncryptionKey()},k2:${b64(k2.key)}`));
    expect(box.decrypt(box.encrypt(SECRET))).toBe(SECRET);
    expect(box.currentKeyId).toBe('k3');
  });

  const short = randomBytes(16).toString('base64');
  const long = randomBytes(33).toString('base64');
  it.each([
    ['empty', '', /ENCRYPTION_KEYS is empty/],
    ['blank', '   ', /ENCRYPTION_KEYS is empty/],
    ['no key id', b64(k1.key), /entry 1 has no key id/],
    ['bad key id', `bad id:${b64(k1.key)}`, /entry 1: key id must be/],
    ['empty key id', `:${b64(k1.key)}`, /entry 1: key id must be/],
    ['key and id swapped', `${b64(k1.key)}:k1`, /entry 1: key id must be/],
    ['too short', `k1:${short}`, /entry 1 \(key id "k1"\): key must be 32 bytes, got 16/],
    ['too long', `k1:${long}`, /entry 1 \(key id "k1"\): key must be 32 bytes, got 33/],
    ['not base64', `k1:${'!'.repeat(44)}`, /entry 1 \(key id "k1"\): key is not valid base64/],
    ['base64url instead of base64', `k1:${Buffer.alloc(32, 0xff).toString('base64url')}`, /key is not valid base64/],
    ['garbage inside base64', `k1:${b64(k1.key).slice(0, 20)}$$${b64(k1.key).slice(20)}`, /key is not valid base64/],
    ['empty key', 'k1:', /key is not valid base64/],
    ['trailing comma', `k1:${b64(k1.key)},`, /entry 2 has no key id/],
    ['duplicate id', `k1:${b64(k1.key)},k1:${b64(k2.key)}`, /key id "k1" appears twice/],
  ])('rejects %s with a clear message that holds no key material', (_name, env, expected) => {
    const error = errorOf(() => parseEncryptionKeys(env));
    expect(error.message).toMatch(expected);
    expect(error.message).toMatch(/ENCRYPTION_KEYS/);
    for (const material of [b64(k1.key), b64(k2.key), short, long, b64(k1.key).slice(0, 20)]) {
      expect(error.message).not.toContain(material);
    }
  });
});

describe('generateEncryptionKey', () => {
  it('returns base64 of 32 fresh random bytes', () => {
    const a = generateEncryptionKey();
    expect(Buffer.from(a, 'base64')).toHaveLength(32);
    expect(a).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(generateEncryptionKey()).not.toBe(a);
  });
});
