import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { apiKeyPrefix, generateApiKey, hashApiKey, looksLikeApiKey } from '../../src/crypto/api-keys';

describe('generateApiKey', () => {
  it('returns a marked 256-bit key, its display prefix and its hash', () => {
    const { key, prefix, hash } = generateApiKey();
    expect(key).toMatch(/^mi_live_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice('mi_live_'.length), 'base64url')).toHaveLength(32);
    expect(prefix).toBe(key.slice(0, 12));
    expect(prefix.startsWith('mi_live_')).toBe(true);
    expect(hash).toBe(hashApiKey(key));
    expect(hash).not.toContain(key.slice(8));
  });

  it('never repeats', () => {
    const keys = Array.from({ length: 200 }, () => generateApiKey());
    expect(new Set(keys.map((k) => k.key)).size).toBe(200);
    expect(new Set(keys.map((k) => k.hash)).size).toBe(200);
  });
});

describe('hashApiKey', () => {
  it('is SHA-256 hex, deterministic and sensitive to every character', () => {
    const { key } = generateApiKey();
    expect(hashApiKey(key)).toBe(createHash('sha256').update(key).digest('hex'));
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(key)).toBe(hashApiKey(key));
    const lastChanged = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    expect(hashApiKey(lastChanged)).not.toBe(hashApiKey(key));
  });
});

describe('apiKeyPrefix', () => {
  it('shows only the marker and four random characters', () => {
    expect(apiKeyPrefix('mi_live_abcdEFGHijklMNOPqrstUVWXyz0123456789-_ABCDEFG')).toBe('mi_live_abcd');
  });
});

describe('looksLikeApiKey', () => {
  const valid = generateApiKey().key;

  it('accepts generated keys', () => {
    expect(looksLikeApiKey(valid)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['marker only', 'mi_live_'],
    ['one character short', valid.slice(0, -1)],
    ['one character long', `${valid}A`],
    ['other marker', valid.replace('mi_live_', 'mi_test_')],
    ['standard base64 characters', `mi_live_${'+'.repeat(43)}`],
    ['surrounding whitespace', ` ${valid}`],
    ['trailing newline', `${valid}\n`],
    ['Bearer prefix kept', `Bearer ${valid}`],
    ['not a string', 42],
    ['undefined', undefined],
  ])('rejects %s', (_name, input) => {
    expect(looksLikeApiKey(input)).toBe(false);
  });
});
