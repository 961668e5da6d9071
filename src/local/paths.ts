import { fileURLToPath } from 'node:url';

/** The repository root, so local state lands in the same place whatever the working directory. */
export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
export const defaultToolsDir = fileURLToPath(new URL('../../.tools/temporal', import.meta.url));
export const defaultDataDir = fileURLToPath(new URL('../../.data', import.meta.url));
