import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { isPortInUse } from '../../src/local/free-port';
import { eventually } from './eventually';

/** `npm start` as a user runs it: the real entry point in a child process. */
const entry = path.resolve('src/cli/start-local.ts');

export interface StartedLocalMode {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export function startLocalMode(env: Record<string, string>): StartedLocalMode {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/**
 * A free port below the kernel's ephemeral range, like the fixed defaults (3000, 7233, 8233, 9999):
 * the dev server takes random ephemeral ports for its internal services while it starts, and one of
 * those could otherwise take a port we chose but the service binds only later.
 */
async function fixedStylePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!(await isPortInUse(port))) return port;
  }
}

/** Settings for one local-mode process: a fresh data folder (the caller removes it) and free ports. */
export async function localModeEnv() {
  return {
    DATA_DIR: await mkdtemp(path.join(os.tmpdir(), 'metric-importer-local-')),
    PORT: String(await fixedStylePort()),
    TEMPORAL_PORT: String(await fixedStylePort()),
    TEMPORAL_UI_PORT: String(await fixedStylePort()),
    LOOKER_EMULATOR_PORT: String(await fixedStylePort()),
    TEMPORAL_CLI_PATH: inject('temporalCliPath'),
  };
}

/** Waits for the banner; a process that exits first fails at once, with what it printed. */
export async function untilServing(started: StartedLocalMode): Promise<void> {
  const exitedEarly = started.exited.then((code) => {
    throw new Error(`npm start exited with ${code} before serving:\n${started.output().slice(-4000)}`);
  });
  await Promise.race([
    eventually(() => Promise.resolve(started.output().includes('metric-importer is running') ? true : undefined), { timeoutMs: 180_000 }),
    exitedEarly,
  ]);
  exitedEarly.catch(() => undefined);
}
