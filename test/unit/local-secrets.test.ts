import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreateLocalSecrets } from '../../src/local/local-secrets';

describe('local secrets (.data/local-secrets.json)', () => {
  it('are created once, private to the user, with a random Postgres password that later starts reuse', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'local-secrets-'));
    const first = await loadOrCreateLocalSecrets(dir);
    expect(first.postgresPassword).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.postgresPassword).not.toBe('postgres');
    expect((await stat(path.join(dir, 'local-secrets.json'))).mode & 0o777).toBe(0o600);
    expect(await loadOrCreateLocalSecrets(dir)).toEqual(first);
    await rm(dir, { recursive: true, force: true });
  });

  it('gain a Postgres password and Temporal payload key when the file predates them, keeping the key and encryption key', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'local-secrets-'));
    const file = path.join(dir, 'local-secrets.json');
    const old = { encryptionKeys: 'local1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', apiKey: 'mi_live_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB' };
    await writeFile(file, JSON.stringify(old), { mode: 0o600 });

    const upgraded = await loadOrCreateLocalSecrets(dir);
    expect(upgraded).toMatchObject(old);
    expect(upgraded.postgresPassword).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(upgraded.temporalPayloadKeys).toMatch(/^payload1:[A-Za-z0-9+/]{43}=$/);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(upgraded);
    await rm(dir, { recursive: true, force: true });
  });
});
