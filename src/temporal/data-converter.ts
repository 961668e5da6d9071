import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import type { EncryptionKeys } from '../crypto/secret-box';
import { createEncryptionCodec } from './payload-codec';

/** Plain JavaScript next to this module; the production build copies it next to the bundles. */
export const failureConverterPath = fileURLToPath(new URL('./failure-converter.js', import.meta.url));

/** What every client, worker and replay must share, or they cannot read each other's payloads. */
export function createDataConverter(payloadKeys: EncryptionKeys): DataConverter {
  return { payloadCodecs: [createEncryptionCodec(payloadKeys)], failureConverterPath };
}
