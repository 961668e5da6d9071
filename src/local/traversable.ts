import { chmod, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Lets other users pass through every directory from `target` up to the root by adding the
 * "others may traverse" bit (o+x, never read) where it is missing. Postgres refuses to run as root,
 * so as root embedded Postgres runs as its own user, which must reach its binaries and data
 * directory: a clone inside a `mktemp -d` folder (mode 0700) is otherwise out of its reach.
 * Returns the directories it changed.
 */
export async function ensureTraversable(target: string): Promise<string[]> {
  const changed: string[] = [];
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) {
      await chmod(dir, (mode & 0o7777) | 0o001);
      changed.push(dir);
    }
    if (path.dirname(dir) === dir) return changed;
  }
}
