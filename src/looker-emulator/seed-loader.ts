import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { seedSchema, type EmulatorSeed } from './seed-schema';

const SEEDS_DIR = fileURLToPath(new URL('./seeds/', import.meta.url));

/** Seeds shipped with the emulator, by name. */
export const BUILTIN_SEEDS = ['demo', 'test'] as const;

/**
 * Loads and validates a seed: a built-in name ("demo", "test") or a path to a JSON file.
 * Throws with every validation problem listed when the file does not fit the seed format.
 */
export function loadSeed(nameOrPath: string): EmulatorSeed {
  const builtin = /^[a-z0-9-]+$/.test(nameOrPath) ? resolve(SEEDS_DIR, `${nameOrPath}.json`) : undefined;
  const file = builtin && existsSync(builtin) ? builtin : resolve(nameOrPath);
  if (!existsSync(file)) {
    throw new Error(`Looker emulator seed not found: ${nameOrPath} (built-in seeds: ${BUILTIN_SEEDS.join(', ')}, or a path to a .json file)`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`Looker emulator seed ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = seedSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`Looker emulator seed ${file} is invalid:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
