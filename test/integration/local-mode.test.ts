import { execFileSync, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import { afterAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import { isPortInUse } from '../../src/local/free-port';
import { eventually } from '../helpers/eventually';
import { localModeEnv, startLocalMode, untilServing } from '../helpers/local-mode';
import { devServerNow, importTimeAhead } from '../helpers/test-clock';

function processesUsing(dataDir: string): string[] {
  const list = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return list.split('\n').filter((line) => line.includes(dataDir));
}

/**
 * `npm start` as a user runs it: the real entry point in a child process, on embedded defaults,
 * stopped with SIGINT as Ctrl-C would, then started again on the same data.
 */
describe('local mode (npm start)', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function ports() {
    const env = await localModeEnv();
    dirs.push(env.DATA_DIR);
    return env;
  }

  it('serves the walkthrough, stops every process on Ctrl-C, and keeps data and workflows across restarts', async () => {
    const env = await ports();
    const first = startLocalMode(env);
    children.push(first.child);
    const outputs = [first.output];
    // A failure shows what the service printed: start-up problems are in there.
    onTestFailed(() => {
      for (const output of outputs) process.stderr.write(`--- npm start output ---\n${output().slice(-4000)}\n`);
    });
    await untilServing(first);
    const apiKey = /API key\s+(\S+)/.exec(first.output())?.[1];
    const body = /-d '(\{.*\})'/.exec(first.output())?.[1];
    expect(apiKey).toMatch(/^mi_live_/);
    expect(body).toBeDefined();
    const api = `http://127.0.0.1:${env.PORT}`;
    const auth = { authorization: `Bearer ${apiKey}` };

    const ready = await fetch(`${api}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', postgres: 'up', temporal: 'up', migrations: 'current' });
    expect((await fetch(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}/`)).status).toBe(200);

    // The UI decodes payloads through the API's codec endpoint, which answers the operator only.
    const uiOrigin = `http://127.0.0.1:${env.TEMPORAL_UI_PORT}`;
    const uiSettings = (await (await fetch(`${uiOrigin}/api/v1/settings`)).json()) as { Codec?: { Endpoint?: string } };
    expect(uiSettings.Codec?.Endpoint).toBe(`${api}/codec`);
    const codecToken = /codec token (\S+)/.exec(first.output())?.[1];
    expect(codecToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const decode = (headers: Record<string, string>) =>
      fetch(`${api}/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json', origin: uiOrigin, ...headers }, body: '{"payloads":[]}' });
    expect((await decode({})).status).toBe(401);
    const decoded = await decode({ authorization: `Bearer ${codecToken}` });
    expect(decoded.status).toBe(200);
    expect(decoded.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    const preflight = await fetch(`${api}/codec/decode`, { method: 'OPTIONS', headers: { origin: uiOrigin, 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);

    // The banner's console link signs a browser in to the demo workspace, once.
    const consoleLink = /Console\s+(\S+)/.exec(first.output())?.[1];
    expect(consoleLink).toMatch(new RegExp(`^${api}/console/local-sign-in\\?token=`));
    const signedIn = await fetch(consoleLink!, { redirect: 'manual' });
    expect(signedIn.status).toBe(303);
    const session = signedIn.headers.getSetCookie().find((cookie) => cookie.startsWith('mi_session='))?.split(';')[0];
    const consolePage = await fetch(`${api}/console/metrics/new`, { headers: { cookie: session! }, redirect: 'manual' });
    expect(consolePage.status).toBe(200);
    expect(await consolePage.text()).toContain('Demo Looker (emulator)');
    expect((await fetch(consoleLink!, { redirect: 'manual' })).status).toBe(403);

    // Walkthrough step 2 as printed, with the import time moved twelve hours ahead so no scheduled
    // import (06:00 Berlin in the banner) changes the datapoints between the reads below.
    const walkthrough = JSON.parse(body!) as { timeZone: string };
    const request = JSON.stringify({ ...walkthrough, importTime: importTimeAhead(devServerNow(), walkthrough.timeZone) });
    const created = await fetch(`${api}/v1/metrics`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: request });
    expect(created.status).toBe(202);
    const metric = (await created.json()) as { id: string; workflowId: string };
    const datapoints = await eventually(async () => {
      const page = (await (await fetch(`${api}/v1/metrics/${metric.id}/datapoints?limit=10000`, { headers: auth })).json()) as { data: unknown[] };
      return page.data.length >= 700 ? page.data : undefined;
    });

    const listed = execFileSync(
      inject('temporalCliPath'),
      ['workflow', 'list', '--address', `127.0.0.1:${env.TEMPORAL_PORT}`, '--query', `MetricId='${metric.id}'`, '--output', 'json'],
      { encoding: 'utf8' },
    );
    expect(listed).toContain(metric.workflowId);

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    for (const port of [env.PORT, env.TEMPORAL_PORT, env.TEMPORAL_UI_PORT, env.LOOKER_EMULATOR_PORT]) {
      expect(await isPortInUse(Number(port))).toBe(false);
    }
    expect(processesUsing(env.DATA_DIR)).toEqual([]);

    const second = startLocalMode(env);
    children.push(second.child);
    outputs.push(second.output);
    await untilServing(second);
    expect(second.output()).toContain(apiKey);
    const again = (await (await fetch(`${api}/v1/metrics/${metric.id}/datapoints?limit=10000`, { headers: auth })).json()) as { data: unknown[] };
    expect(again.data).toEqual(datapoints);
    const running = execFileSync(
      inject('temporalCliPath'),
      ['workflow', 'describe', '--address', `127.0.0.1:${env.TEMPORAL_PORT}`, '--workflow-id', metric.workflowId, '--output', 'json'],
      { encoding: 'utf8' },
    );
    expect(running).toMatch(/WORKFLOW_EXECUTION_STATUS_RUNNING|"status":\s*"Running"/i);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
    expect(processesUsing(env.DATA_DIR)).toEqual([]);
  }, 300_000);

  it.each([
    ['a malformed DATABASE_URL', { DATABASE_URL: 'postgres//oops' }, /^metric-importer: .*DATABASE_URL: /],
    ['an unreachable Temporal', { TEMPORAL_ADDRESS: '127.0.0.1:1' }, /^metric-importer: TEMPORAL_ADDRESS: cannot reach Temporal at 127\.0\.0\.1:1/],
  ])('stops with one clear line for %s', async (_case, bad, expected) => {
    const started = startLocalMode({ ...(await ports()), ...bad });
    children.push(started.child);
    expect(await started.exited).toBe(1);
    const lines = started.output().trim().split('\n').filter((line) => !line.startsWith('{'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(expected);
  });

  it('stops with one clear line naming PORT when the API port is taken', async () => {
    const env = await ports();
    const blocker = net.createServer().listen(Number(env.PORT), '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    try {
      const started = startLocalMode(env);
      children.push(started.child);
      expect(await started.exited).toBe(1);
      const lines = started.output().trim().split('\n').filter((line) => !line.startsWith('{'));
      expect(lines).toEqual([`metric-importer: PORT: port ${env.PORT} on 127.0.0.1 is already in use; stop what uses it or set PORT to a free port`]);
      expect(processesUsing(env.DATA_DIR)).toEqual([]);
    } finally {
      blocker.close();
    }
  });
});
