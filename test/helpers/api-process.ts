import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../src/local/free-port';
import { eventually } from './eventually';

export interface ApiProcess {
  url: string;
  child: ChildProcess;
  /** The JSON log lines so far. */
  logs(): Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The production API entry point as its own process, the way `npm run api` runs it; resolves once
 * it is ready and its start-up reconciliation sweep has finished.
 */
export async function startApiProcess(env: Record<string, string>): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/cli/api.ts')], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const logs = () =>
    output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const url = `http://127.0.0.1:${port}`;
  try {
    await eventually(async () => ((await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined), { timeoutMs: 60_000 });
    // The start-up sweep has run: nothing left over from before disturbs what the caller does next.
    await eventually(() => Promise.resolve(logs().some((line) => line.msg === 'workflow reconciliation finished') ? true : undefined));
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`the API process did not get ready; its output:\n${output.slice(-2_000)}`, { cause: error });
  }
  return { url, child, logs, exited };
}
