// Encryption of Temporal payloads (workflow and activity inputs and results, update and query
// arguments, failure messages) with AES-256-GCM, so the Temporal server, its database and anyone
// reading a history without the keys see ciphertext only (docs/security.md, "Temporal payloads").
//
// A payload codec runs outside the workflow sandbox (in the client and the worker's main thread),
// so Node's crypto is fine here.
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { createSecretBox, parseEncryptionKeys, type EncryptionKeys, type SecretBox } from '../crypto/secret-box';

// A CommonJS module: Node's ESM loader sees its default export only.
const { temporal } = proto;

/** The encoding marker of an encrypted payload; the whole original payload (metadata too) is inside. */
export const encryptedEncoding = 'binary/encrypted';
/** Metadata naming the key that encrypted the payload, so old keys keep decrypting after a rotation. */
export const keyIdMetadata = 'encryption-key-id';
const cipherMetadata = 'encryption-cipher';
const cipherName = 'AES256-GCM';
// Binds the ciphertext to its purpose: a sealed Looker secret cannot be passed off as a payload.
const aad = 'temporal-payload';

export class PayloadCodecError extends Error {
  override readonly name = 'PayloadCodecError';
}

/** TEMPORAL_PAYLOAD_KEYS, same format as ENCRYPTION_KEYS: the first key encrypts, the rest only decrypt. */
export function parsePayloadKeys(value: string): EncryptionKeys {
  return parseEncryptionKeys(value, 'TEMPORAL_PAYLOAD_KEYS');
}

export function createEncryptionCodec(keys: EncryptionKeys): PayloadCodec {
  const box: SecretBox = createSecretBox(keys);
  return {
    // Errors become rejections, as callers of a codec expect.
    encode: (payloads) => Promise.resolve().then(() => payloads.map((payload) => encrypt(box, payload))),
    decode: (payloads) => Promise.resolve().then(() => payloads.map((payload) => decrypt(box, payload))),
  };
}

function encrypt(box: SecretBox, payload: Payload): Payload {
  const { keyId, sealed } = box.encryptBytes(temporal.api.common.v1.Payload.encode(payload).finish(), aad);
  return {
    metadata: { encoding: utf8(encryptedEncoding), [cipherMetadata]: utf8(cipherName), [keyIdMetadata]: utf8(keyId) },
    data: sealed,
  };
}

/** Payloads written before the codec (not marked encrypted) pass through, so running workflows stay readable. */
function decrypt(box: SecretBox, payload: Payload): Payload {
  if (text(payload.metadata?.encoding) !== encryptedEncoding) return payload;
  const keyId = text(payload.metadata?.[keyIdMetadata]);
  if (!keyId) throw new PayloadCodecError(`an encrypted payload has no ${keyIdMetadata} metadata`);
  try {
    return temporal.api.common.v1.Payload.decode(box.decryptBytes(keyId, payload.data ?? new Uint8Array(), aad));
  } catch (error) {
    // Names the key (so an operator knows which one TEMPORAL_PAYLOAD_KEYS lacks), never content.
    throw new PayloadCodecError(`cannot decrypt a payload sealed with key "${keyId}" (${error instanceof Error ? error.message : 'unreadable'}): is it in TEMPORAL_PAYLOAD_KEYS?`);
  }
}

const utf8 = (value: string) => new TextEncoder().encode(value);
const text = (bytes: Uint8Array | null | undefined) => (bytes ? new TextDecoder().decode(bytes) : undefined);
