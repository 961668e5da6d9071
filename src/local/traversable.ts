import { chmod, stat } from 'node:fs/promises';
import path from 'node:path';

/** A directory this module opened, with its mode before and after. */
export interface OpenedDirectory {
  dir: string;
  before: number;
  after: number;
}

/**
 * Lets other users pass through every directory from `target` up to the root by adding the
 * "others may traverse" bit (o+x, never read) where it is missing. Postgres refuses to run as root,
 * so as root embedded Postgres runs as its own user, which must reach its binaries and data
 * directory: a clone inside a `mktemp -d` folder (mode 0700) is otherwise out of its reach.
 * Returns what it changed, for `restoreModes` when Postgres stops.
 */
export async function ensureTraversable(target: string): Promise<OpenedDirectory[]> {
  const changed: OpenedDirectory[] = [];
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    const before = (await stat(dir)).mode & 0o7777;
    if ((before & 0o001) === 0) {
      const after = before | 0o001;
      await chmod(dir, after);
      changed.push({ dir, before, after });
    }
    if (path.dirname(dir) === dir) return changed;
  }
}

/**
 * Takes the o+x back, deepest directory first. A directory whose mode someone changed since, or
 * that is gone, is left as it is: their change wins. Returns the directories it restored.
 */
export async function restoreModes(opened: readonly OpenedDirectory[]): Promise<string[]> {
  const restored: string[] = [];
  for (const { dir, before, after } of opened) {
    const current = await stat(dir).then((stats) => stats.mode & 0o7777, () => undefined);
    if (current !== after) continue;
    await chmod(dir, before);
    restored.push(dir);
  }
  return restored;
}
