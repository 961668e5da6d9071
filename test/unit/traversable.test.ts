import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureTraversable, restoreModes } from '../../src/local/traversable';

const modeOf = async (dir: string) => (await stat(dir)).mode & 0o777;

async function privateTree() {
  const base = await mkdtemp(path.join(os.tmpdir(), 'traversable-'));
  const privateDir = path.join(base, 'private');
  const leaf = path.join(privateDir, 'leaf');
  await mkdir(leaf, { recursive: true });
  await chmod(base, 0o755);
  await chmod(privateDir, 0o700);
  await chmod(leaf, 0o750);
  return { base, privateDir, leaf };
}

describe('ensureTraversable', () => {
  it('adds only the traverse bit for others, on the directories that lack it, up to the root', async () => {
    const { base, privateDir, leaf } = await privateTree();

    const opened = await ensureTraversable(leaf);
    expect(opened).toEqual([
      { dir: leaf, before: 0o750, after: 0o751 },
      { dir: privateDir, before: 0o700, after: 0o701 },
    ]);
    expect(await modeOf(leaf)).toBe(0o751);
    expect(await modeOf(privateDir)).toBe(0o701);
    expect(await modeOf(base)).toBe(0o755);
    expect(await ensureTraversable(leaf)).toEqual([]);
    await rm(base, { recursive: true, force: true });
  });
});

describe('restoreModes', () => {
  it('closes what ensureTraversable opened, and leaves a directory someone changed since', async () => {
    const { base, privateDir, leaf } = await privateTree();
    const opened = await ensureTraversable(leaf);
    await chmod(leaf, 0o755); // someone else's decision, made while Postgres ran

    expect(await restoreModes(opened)).toEqual([privateDir]);
    expect(await modeOf(privateDir)).toBe(0o700);
    expect(await modeOf(leaf)).toBe(0o755);
    expect(await modeOf(base)).toBe(0o755);
    await rm(base, { recursive: true, force: true });
  });

  it('skips a directory that is gone', async () => {
    const { base, leaf } = await privateTree();
    const opened = await ensureTraversable(leaf);
    await rm(base, { recursive: true, force: true });
    expect(await restoreModes(opened)).toEqual([]);
  });
});
