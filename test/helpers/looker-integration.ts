import { randomUUID } from 'node:crypto';
import { createSecretBox, generateEncryptionKey, parseEncryptionKeys, type SecretBox } from '../../src/crypto/secret-box';
import { createDatabase, type Database } from '../../src/db/client';
import { createWorkspaceWithKey } from '../../src/db/repositories/workspaces';
import { integrations } from '../../src/db/schema';
import { clientSecretAad } from '../../src/looker/client-factory';

/** A real Postgres (the global setup's) and a real SecretBox, as the worker has them. */
export interface LookerDbFixture {
  database: Database;
  secretBox: SecretBox;
  /** ENCRYPTION_KEYS value behind `secretBox`, for child processes that must open the same rows. */
  encryptionKeys: string;
  workspaceId: string;
  /** Saves an integration row (secret sealed as the API does) and returns its id. */
  createIntegration(input: { apiEndpoint: string; clientId: string; clientSecret: string }): Promise<string>;
  close(): Promise<void>;
}

export async function createLookerDbFixture(databaseUrl: string): Promise<LookerDbFixture> {
  const encryptionKeys = `test:${generateEncryptionKey()}`;
  const secretBox = createSecretBox(parseEncryptionKeys(encryptionKeys));
  const database = createDatabase(databaseUrl, { max: 10 });
  const { workspaceId } = await createWorkspaceWithKey(database.db, { name: `looker client ${randomUUID()}` });
  return {
    database,
    secretBox,
    encryptionKeys,
    workspaceId,
    async createIntegration({ apiEndpoint, clientId, clientSecret }) {
      const id = randomUUID();
      await database.db.insert(integrations).values({
        id,
        workspaceId,
        name: `Looker ${id.slice(0, 8)}`,
        apiEndpoint,
        clientId,
        clientSecretSealed: secretBox.encrypt(clientSecret, clientSecretAad(id)),
        secretKeyId: secretBox.currentKeyId,
      });
      return id;
    },
    close: () => database.close(),
  };
}
