import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../logger';
import { searchAttributeFlags } from '../shared/search-attributes';
import { requireFreePort, waitForPort } from './free-port';

export interface TemporalDevServerHandle {
  address: string;
  uiUrl: string | undefined;
  stop(): Promise<void>;
}

/**
 * Runs `temporal server start-dev` as a child process with the project's search attributes.
 * With `dbFilename` the state survives restarts, so running workflows carry on.
 */
export async function startTemporalDevServer(options: {
  binary: string;
  port: number;
  uiPort?: number;
  dbFilename?: string;
  /** The UI's remote codec server (our API's /codec), so it can show decoded payloads to an operator. */
  uiCodecEndpoint?: string;
  logger: Logger;
}): Promise<TemporalDevServerHandle> {
  const ip = '127.0.0.1';
  await requireFreePort('TEMPORAL_PORT', options.port, ip);
  if (options.uiPort !== undefined) await requireFreePort('TEMPORAL_UI_PORT', options.uiPort, ip);
  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(options.port),
    '--log-level',
    'warn',
    ...searchAttributeFlags,
    ...(options.uiPort === undefined ? ['--headless'] : ['--ui-ip', ip, '--ui-port', String(options.uiPort), '--ui-disable-news-fetch']),
    ...(options.dbFilename ? ['--db-filename', options.dbFilename] : []),
    ...(options.uiPort !== undefined && options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
  ];
  const child = spawn(options.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = options.logger.child({ component: 'temporal-dev-server' });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
    log.debug(chunk.toString().trim());
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = waitForPort(options.port, ip, 60_000);
  const outcome = await Promise.race([ready.then(() => 'ready' as const), exited.then(() => 'exited' as const)]);
  if (outcome === 'exited') {
    throw new Error(`The Temporal dev server exited during start-up: ${output.trim().split('\n').slice(-3).join(' | ')}`);
  }
  if (options.uiPort !== undefined) await waitForPort(options.uiPort, ip, 30_000);
  return {
    address: `${ip}:${options.port}`,
    uiUrl: options.uiPort === undefined ? undefined : `http://${ip}:${options.uiPort}`,
    stop: () => stopChild(child, exited),
  };
}

/** SIGTERM, then SIGKILL after a grace period, so Ctrl-C never leaves a server behind. */
export async function stopChild(child: ChildProcess, exited: Promise<unknown>, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
