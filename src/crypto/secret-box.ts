// Encryption of secrets at rest (Looker client secrets, access tokens) with AES-256-GCM.
//
// A sealed value is one self-describing string, 'v1:<keyId>:<iv>:<tag>:<ciphertext>' (base64url
// parts), so it fits a text column and names the key that opens it: keys rotate without a schema
// change. Error messages never contain plaintext, key material or ciphertext.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface EncryptionKey {
  id: string;
  /** 32 random bytes. */
  key: Buffer;
}

export interface EncryptionKeys {
  /** Encrypts everything new. */
  current: EncryptionKey;
  /** Still decrypt values sealed before a rotation. */
  previous?: EncryptionKey[];
}

export interface SecretBox {
  /** `aad` binds the ciphertext to its context (e.g. the row id); the same value must be given to decrypt. */
  encrypt(plaintext: string, aad?: string): string;
  decrypt(sealed: string, aad?: string): string;
  /** The same sealing for bytes (Temporal payloads): `sealed` is iv, tag and ciphertext; the key id travels beside it. */
  encryptBytes(plaintext: Uint8Array, aad?: string): { keyId: string; sealed: Buffer };
  decryptBytes(keyId: string, sealed: Uint8Array, aad?: string): Buffer;
  readonly currentKeyId: string;
}

export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
}

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12; // 96 bits: the size GCM is specified for; random per encryption.
const TAG_BYTES = 16;
// Key ids appear inside sealed values, so no ':'; short, so they can be shown in errors and logs.
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
// The v1 layout; key id as KEY_ID, the other parts base64url (the ciphertext of '' is empty).
const SEALED = /^v1:([A-Za-z0-9_-]{1,32}):([A-Za-z0-9_-]*):([A-Za-z0-9_-]*):([A-Za-z0-9_-]*)$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const ENV_FORMAT_HINT = 'expected "<keyId>:<base64 of 32 random bytes>", comma-separated, current key first';

export function createSecretBox(keys: EncryptionKeys): SecretBox {
  const current = checkedKey(keys.current);
  const byId = new Map([[current.id, current.key]]);
  for (const old of (keys.previous ?? []).map(checkedKey)) {
    if (byId.has(old.id)) throw new SecretBoxError(`key id "${old.id}" is used for two keys`);
    byId.set(old.id, old.key);
  }

  const seal = (plaintext: Uint8Array, aad: string | undefined) => {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(current.id, aad));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { iv, tag: cipher.getAuthTag(), ciphertext };
  };
  const open = (keyId: string, { iv, tag, ciphertext }: { iv: Buffer; tag: Buffer; ciphertext: Buffer }, aad: string | undefined) => {
    const key = byId.get(keyId);
    if (!key) throw new SecretBoxError(`unknown key id ${keyId}`);
    // Fixed lengths: Node would otherwise accept a truncated tag, weakening authentication.
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretBoxError('ciphertext was tampered with or the key is wrong');
    try {
      const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedData(keyId, aad));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      // GCM cannot tell a wrong key from tampering, and Node's message adds nothing useful.
      throw new SecretBoxError('ciphertext was tampered with or the key is wrong');
    }
  };

  return {
    currentKeyId: current.id,
    encrypt(plaintext, aad) {
      const { iv, tag, ciphertext } = seal(Buffer.from(plaintext, 'utf8'), aad);
      return [VERSION, current.id, ...[iv, tag, ciphertext].map((b) => b.toString('base64url'))].join(':');
    },
    decrypt(sealed, aad) {
      const { keyId, ...parts } = parseSealed(sealed);
      return open(keyId, parts, aad).toString('utf8');
    },
    encryptBytes(plaintext, aad) {
      const { iv, tag, ciphertext } = seal(plaintext, aad);
      return { keyId: current.id, sealed: Buffer.concat([iv, tag, ciphertext]) };
    },
    decryptBytes(keyId, sealed, aad) {
      const bytes = Buffer.from(sealed);
      if (bytes.length < IV_BYTES + TAG_BYTES) throw new SecretBoxError('ciphertext was tampered with or the key is wrong');
      const parts = { iv: bytes.subarray(0, IV_BYTES), tag: bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES), ciphertext: bytes.subarray(IV_BYTES + TAG_BYTES) };
      return open(keyId, parts, aad);
    },
  };
}

/** The id of the key that sealed `sealed`, or undefined when it is not a sealed value: finds rows to re-encrypt after a rotation. */
export function sealedKeyId(sealed: string): string | undefined {
  return SEALED.exec(sealed)?.[1];
}

/**
 * Parses ENCRYPTION_KEYS (or another variable in its format, named in errors), e.g. 'k2:<base64>,k1:<base64>': the first key is current, the rest are
 * previous keys kept for decryption. Errors name the entry by position (and id, once it is known
 * to be an id) and never echo key material.
 */
export function parseEncryptionKeys(env: string, variable = 'ENCRYPTION_KEYS'): { current: EncryptionKey; previous: EncryptionKey[] } {
  if (env.trim() === '') throw new SecretBoxError(`${variable} is empty: ${ENV_FORMAT_HINT}`);
  const keys = env.split(',').map((entry, index) => parseKeyEntry(entry.trim(), index + 1, variable));
  const seen = new Set<string>();
  for (const { id } of keys) {
    if (seen.has(id)) throw new SecretBoxError(`${variable}: key id "${id}" appears twice`);
    seen.add(id);
  }
  const [current, ...previous] = keys as [EncryptionKey, ...EncryptionKey[]];
  return { current, previous };
}

/** A new key for ENCRYPTION_KEYS: base64 of 32 random bytes. */
export function generateEncryptionKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

function parseKeyEntry(entry: string, position: number, variable: string): EncryptionKey {
  const where = `${variable} entry ${position}`;
  const colon = entry.indexOf(':');
  if (colon < 0) throw new SecretBoxError(`${where} has no key id: ${ENV_FORMAT_HINT}`);
  const id = entry.slice(0, colon);
  if (!KEY_ID.test(id)) throw new SecretBoxError(`${where}: key id must be 1–32 letters, digits, "_" or "-"; ${ENV_FORMAT_HINT}`);
  const encoded = entry.slice(colon + 1);
  const key = Buffer.from(encoded, 'base64');
  // Buffer.from skips characters it does not understand; re-encoding catches that.
  const isBase64 = BASE64.test(encoded) && key.toString('base64').replace(/=+$/, '') === encoded.replace(/=+$/, '');
  if (!isBase64) throw new SecretBoxError(`${where} (key id "${id}"): key is not valid base64; ${ENV_FORMAT_HINT}`);
  if (key.length !== KEY_BYTES) {
    throw new SecretBoxError(`${where} (key id "${id}"): key must be ${KEY_BYTES} bytes, got ${key.length}; ${ENV_FORMAT_HINT}`);
  }
  return { id, key };
}

function parseSealed(sealed: string): { keyId: string; iv: Buffer; tag: Buffer; ciphertext: Buffer } {
  const match = SEALED.exec(sealed);
  if (!match) throw new SecretBoxError('not a sealed secret: expected "v1:<keyId>:<iv>:<tag>:<ciphertext>"');
  const [, keyId = '', iv = '', tag = '', ciphertext = ''] = match;
  return { keyId, iv: Buffer.from(iv, 'base64url'), tag: Buffer.from(tag, 'base64url'), ciphertext: Buffer.from(ciphertext, 'base64url') };
}

function checkedKey({ id, key }: EncryptionKey): EncryptionKey {
  if (!KEY_ID.test(id)) throw new SecretBoxError('key id must be 1–32 letters, digits, "_" or "-"');
  if (key.length !== KEY_BYTES) throw new SecretBoxError(`key "${id}" must be ${KEY_BYTES} bytes, got ${key.length}`);
  return { id, key: Buffer.from(key) }; // a copy: later changes to the caller's buffer cannot affect us
}

// The header is authenticated too, so a value cannot be relabelled with another key id or version.
// An omitted aad and an empty one are the same context.
function associatedData(keyId: string, aad: string | undefined): Buffer {
  return Buffer.from(`${VERSION}:${keyId}:${aad ?? ''}`, 'utf8');
}
