import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateApiKey } from '../crypto/api-keys';
import { generateEncryptionKey } from '../crypto/secret-box';
import { generatePostgresPassword } from './embedded-postgres';

export interface LocalSecrets {
  encryptionKeys: string;
  /** TEMPORAL_PAYLOAD_KEYS: the dev server's histories stay readable across restarts. */
  temporalPayloadKeys: string;
  /** CODEC_TOKEN: signs the operator in to the codec endpoint the Temporal UI decodes payloads with. */
  codecToken: string;
  apiKey: string;
  /** The embedded Postgres superuser's password. */
  postgresPassword: string;
}

/**
 * Local mode invents its encryption key, demo API key and embedded Postgres password once and keeps
 * them in the data folder (mode 0600), so a second `npm start` decrypts the same integrations,
 * prints the same key and logs in to the same cluster. A file from before a secret existed gets it
 * added.
 */
export async function loadOrCreateLocalSecrets(dataDir: string): Promise<LocalSecrets> {
  const file = path.join(dataDir, 'local-secrets.json');
  const stored = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as Partial<LocalSecrets>) : {};
  const secrets: LocalSecrets = {
    encryptionKeys: stored.encryptionKeys ?? `local1:${generateEncryptionKey()}`,
    temporalPayloadKeys: stored.temporalPayloadKeys ?? `payload1:${generateEncryptionKey()}`,
    codecToken: stored.codecToken ?? randomBytes(24).toString('base64url'),
    apiKey: stored.apiKey ?? generateApiKey().key,
    postgresPassword: stored.postgresPassword ?? generatePostgresPassword(),
  };
  if ((Object.keys(secrets) as (keyof LocalSecrets)[]).some((name) => stored[name] === undefined)) {
    await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return secrets;
}
