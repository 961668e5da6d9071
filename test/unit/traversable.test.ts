import { chmod, mkdir, mkdtemp, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureTraversable } from '../../src/local/traversable';

const modeOf = async (dir: string) => (await stat(dir)).mode & 0o777;

describe('ensureTraversable', () => {
  it('adds only the traverse bit for others, on the directories that lack it, up to the root', async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), 'traversable-'));
    const privateDir = path.join(base, 'private');
    const leaf = path.join(privateDir, 'leaf');
    await mkdir(leaf, { recursive: true });
    await chmod(base, 0o755);
    await chmod(privateDir, 0o700);
    await chmod(leaf, 0o750);

    expect(await ensureTraversable(leaf)).toEqual([leaf, privateDir]);
    expect(await modeOf(leaf)).toBe(0o751);
    expect(await modeOf(privateDir)).toBe(0o701);
    expect(await modeOf(base)).toBe(0o755);
    expect(await ensureTraversable(leaf)).toEqual([]);
  });
});
