import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const children: ChildProcess[] = [];

/** Runs the CLI as `npm run looker-emulator` would, in one process (node --import tsx) so signals reach it. */
function startCli(args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/looker-emulator.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return { child, output: () => out };
}

async function waitFor(output: () => string, pattern: RegExp, child: ChildProcess): Promise<RegExpMatchArray> {
  for (let i = 0; i < 600; i++) {
    const m = pattern.exec(output());
    if (m) return m;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${String(pattern)} in CLI output:\n${output()}`);
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('npm run looker-emulator', () => {
  it('starts standalone, prints its URL, serves, and stops cleanly on SIGTERM', async () => {
    const { child, output } = startCli(['--port', '0', '--client-id', 'cli-id', '--client-secret', 'cli-secret', '--seed', 'test']);
    const [line, url] = await waitFor(output, /^Looker emulator listening on (http:\/\/127\.0\.0\.1:\d+) \(API \S+\/api\/4\.0, seed test\)$/m, child);
    expect(line).toBeDefined();
    expect((await fetch(`${url}/alive`)).status).toBe(200);
    const login = await fetch(`${url}/api/4.0/login`, { method: 'POST', body: new URLSearchParams({ client_id: 'cli-id', client_secret: 'cli-secret' }) });
    expect(login.status).toBe(200);

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(output()).toContain('Looker emulator stopped (SIGTERM)');
  });

  it('uses the demo credentials by default and stops on SIGINT', async () => {
    const { child, output } = startCli(['--port', '0']);
    const [, url] = await waitFor(output, /listening on (http:\/\/\S+) /, child);
    const login = await fetch(`${url}/api/4.0/login`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: 'demo-client-id', client_secret: 'demo-client-secret' }),
    });
    expect(login.status).toBe(200);
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    expect(((await exited) as [number | null])[0]).toBe(0);
  });

  it('prints usage with --help and rejects bad options', async () => {
    const help = startCli(['--help']);
    await once(help.child, 'exit');
    expect(help.output()).toContain('--client-secret');
    expect(help.output()).toContain('default 9999');

    const bad = startCli(['--port', 'abc']);
    const [code] = (await once(bad.child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(bad.output()).toContain('--port must be 0..65535');
  });
});
