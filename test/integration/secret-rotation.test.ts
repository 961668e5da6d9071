import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSecretBox, sealedKeyId, type EncryptionKey, type SecretBox } from '../../src/crypto/secret-box';
import { keyUsage, rotateSecrets } from '../../src/crypto/secret-rotation';
import { createDatabase, type Database } from '../../src/db/client';
import { runMigrations } from '../../src/db/migrate';
import { createWorkspaceWithKey } from '../../src/db/repositories/workspaces';
import { integrations, lookerTokens } from '../../src/db/schema';
import { clientSecretAad, createLookerClientFactory } from '../../src/looker/client-factory';
import { tokenAad } from '../../src/looker/postgres-token-store';
import { createTestDatabase } from '../helpers/test-database';

const exec = promisify(execFile);
const entry = path.resolve('src/cli/rotate-secrets.ts');
const key = (id: string): EncryptionKey => ({ id, key: randomBytes(32) });
const [k1, k2, k3] = [key('k1'), key('k2'), key('k3')];
const envValue = (...keys: EncryptionKey[]) => keys.map(({ id, key: bytes }) => `${id}:${bytes.toString('base64')}`).join(',');

/** `npm run secrets:rotate` as an operator runs it; resolves with its exit code and output. */
async function rotateCommand(databaseUrl: string, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', entry, ...args], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, ENCRYPTION_KEYS: envValue(k3, k2, k1), LOG_LEVEL: 'warn' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/**
 * Issue 11, acceptance 3: rows sealed under two old keys all move to the new key; a run stopped
 * after its first batch is finished by the next; the service reads every credential throughout;
 * and a key still in use cannot pass the check that allows dropping it.
 */
describe('npm run secrets:rotate', () => {
  let testDb: { url: string; drop(): Promise<void> };
  let database: Database;
  const secrets = new Map<string, string>();
  const tokens = new Map<string, string>();
  const rotated: SecretBox = createSecretBox({ current: k3, previous: [k2, k1] });

  beforeAll(async () => {
    const server = new URL(inject('databaseUrl'));
    server.pathname = '/postgres';
    testDb = await createTestDatabase(server.toString());
    await runMigrations(testDb.url);
    database = createDatabase(testDb.url, { max: 4 });
    const { workspaceId } = await createWorkspaceWithKey(database.db, { name: 'rotation' });
    // Five integrations, three under k1 and two under k2; three tokens, two under k1 and one under k2.
    for (const [index, oldKey] of [k1, k1, k1, k2, k2].entries()) {
      const box = createSecretBox({ current: oldKey });
      const id = randomUUID();
      const secret = `client-secret-${index}-${randomBytes(6).toString('hex')}`;
      secrets.set(id, secret);
      const binding = { integrationId: id, apiEndpoint: `https://looker-${index}.invalid/api/4.0`, clientId: `client-${index}` };
      await database.db.insert(integrations).values({
        id,
        workspaceId,
        name: `Looker ${index}`,
        apiEndpoint: binding.apiEndpoint,
        clientId: binding.clientId,
        clientSecretSealed: box.encrypt(secret, clientSecretAad(id)),
        secretKeyId: oldKey.id,
      });
      if (index % 2 === 0) {
        const token = `access-token-${index}-${randomBytes(6).toString('hex')}`;
        tokens.set(id, token);
        await database.db.insert(lookerTokens).values({ ...binding, accessTokenSealed: box.encrypt(token, tokenAad(binding)), expiresAt: new Date(Date.UTC(2030, 0, 1)) });
      }
    }
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  /** What the service reads: each integration's client secret (through its client factory) and stored token. */
  async function serviceReadsEverything(): Promise<void> {
    const dispatcher = new Agent();
    try {
      const clients = createLookerClientFactory({ db: database.db, secretBox: rotated, dispatcher });
      for (const id of secrets.keys()) expect(await clients.forIntegration(id)).toBeDefined();
      for (const row of await database.db.select().from(integrations)) {
        expect(rotated.decrypt(row.clientSecretSealed, clientSecretAad(row.id))).toBe(secrets.get(row.id));
      }
      for (const row of await database.db.select().from(lookerTokens)) expect(rotated.decrypt(row.accessTokenSealed!, tokenAad(row))).toBe(tokens.get(row.integrationId));
    } finally {
      await dispatcher.close();
    }
  }

  it('refuses to drop a key still in use, naming the tables', async () => {
    expect(await keyUsage(database.db)).toEqual({
      'integrations.client_secret_sealed': { k1: 3, k2: 2 },
      'looker_tokens.access_token_sealed': { k1: 2, k2: 1 },
    });
    const check = await rotateCommand(testDb.url, ['--check-unused', 'k1']);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('key "k1" is still in use by integrations.client_secret_sealed (3 rows), looker_tokens.access_token_sealed (2 rows)');
  });

  it('stops after its first batch when told to, with the service reading every credential', async () => {
    const first = await rotateCommand(testDb.url, ['--batch-size', '2', '--max-batches', '1']);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Stopped after --max-batches; run the command again to continue.');
    expect(first.stdout).toContain('2 rows re-encrypted with "k3"');
    const usage = await keyUsage(database.db);
    expect(usage['integrations.client_secret_sealed']?.k3).toBe(2);
    expect(Object.values(usage['integrations.client_secret_sealed'] ?? {}).reduce((a, b) => a + b)).toBe(5);
    await serviceReadsEverything();

    // The API changes a secret meanwhile: the change is kept, sealed with the current key.
    const pending = (await database.db.select().from(integrations)).find((row) => sealedKeyId(row.clientSecretSealed) !== 'k3');
    const changed = 'client-secret-changed-mid-rotation';
    secrets.set(pending!.id, changed);
    await database.db
      .update(integrations)
      .set({ clientSecretSealed: rotated.encrypt(changed, clientSecretAad(pending!.id)), secretKeyId: rotated.currentKeyId })
      .where(eq(integrations.id, pending!.id));
  });

  it('finishes on the next run, moving every row to the new key, and reports the keys before and after', async () => {
    const second = await rotateCommand(testDb.url, ['--batch-size', '2']);
    expect(second.code).toBe(0);
    // Two rows came over in the first run and one from the API's change; which of k1 and k2 they were depends on the ids.
    expect(second.stdout).toMatch(/Rows per key before:\n {2}integrations\.client_secret_sealed {2}(k1: \d, )?(k2: \d, )?k3: 3\n {2}looker_tokens\.access_token_sealed {2}k1: 2, k2: 1\n/);
    expect(second.stdout).toContain('Rows per key after:\n  integrations.client_secret_sealed  k3: 5\n  looker_tokens.access_token_sealed  k3: 3\n');
    expect(await keyUsage(database.db)).toEqual({ 'integrations.client_secret_sealed': { k3: 5 }, 'looker_tokens.access_token_sealed': { k3: 3 } });
    expect((await database.db.select().from(integrations)).map((row) => row.secretKeyId)).toEqual(['k3', 'k3', 'k3', 'k3', 'k3']);
    await serviceReadsEverything();

    const again = await rotateCommand(testDb.url);
    expect(again.stdout).toContain('0 rows re-encrypted with "k3"');
    const check = await rotateCommand(testDb.url, ['--check-unused', 'k1']);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('key "k1" seals no stored value');
  });

  it('reports a row no key opens, leaving it as it is, and names a bad option', async () => {
    const [row] = await database.db.select().from(integrations).limit(1);
    const lost = createSecretBox({ current: key('k0') }).encrypt('lost', clientSecretAad(row!.id));
    await database.db.update(integrations).set({ clientSecretSealed: lost }).where(eq(integrations.id, row!.id));
    const report = await rotateSecrets({ db: database.db, secretBox: rotated });
    expect(report.unreadable).toEqual([{ column: 'integrations.client_secret_sealed', row: row!.id, reason: 'unknown key id k0' }]);
    expect((await database.db.select().from(integrations).where(eq(integrations.id, row!.id)))[0]?.clientSecretSealed).toBe(lost);
    const command = await rotateCommand(testDb.url);
    expect(command.code).toBe(1);
    expect(command.stderr).toContain('1 rows could not be decrypted with ENCRYPTION_KEYS');

    const bad = await rotateCommand(testDb.url, ['--batch-size', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--batch-size: must be a whole number of at least 1 (got "0")');
  });
});
