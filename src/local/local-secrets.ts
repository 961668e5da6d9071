import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateApiKey } from '../crypto/api-keys';
import { generateEncryptionKey } from '../crypto/secret-box';

export interface LocalSecrets {
  encryptionKeys: string;
  apiKey: string;
}

/**
 * Local mode invents its encryption key and demo API key once and keeps them in the data folder
 * (mode 0600), so a second `npm start` decrypts the same integrations and prints the same key.
 */
export async function loadOrCreateLocalSecrets(dataDir: string): Promise<LocalSecrets> {
  const file = path.join(dataDir, 'local-secrets.json');
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as LocalSecrets;
  const secrets: LocalSecrets = { encryptionKeys: `local1:${generateEncryptionKey()}`, apiKey: generateApiKey().key };
  await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
