import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import type { TestStack } from '../../helpers/test-stack';

const workerScript = fileURLToPath(new URL('./worker-process.ts', import.meta.url));

/** Where a worker process connects: the database, Temporal server, payload keys and Looker hosts of a stack. */
export interface WorkerProcessTarget {
  databaseUrl: string;
  temporalAddress: string;
  payloadKeys: string;
  lookerAllowedHosts: string[];
}

/**
 * A worker in its own OS process (worker-process.ts) on the stack's database, Temporal server,
 * keys and emulator; resolves once it polls `taskQueue`, so a test can kill it mid-import.
 */
export function startWorkerProcess(
  stack: TestStack,
  options: { encryptionKeys: string; taskQueue: string; env?: Record<string, string> },
): Promise<ChildProcess> {
  return spawnWorkerProcess(
    {
      databaseUrl: stack.services.settings.databaseUrl,
      temporalAddress: inject('temporalAddress'),
      payloadKeys: stack.payloadKeys,
      lookerAllowedHosts: [`127.0.0.1:${stack.emulator.port}`],
    },
    options,
  );
}

/** startWorkerProcess for infrastructure outside vitest's global setup (the fault suite's own). */
export function spawnWorkerProcess(
  target: WorkerProcessTarget,
  options: { encryptionKeys: string; taskQueue: string; env?: Record<string, string> },
): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', workerScript], {
    env: {
      ...process.env,
      DATABASE_URL: target.databaseUrl,
      ENCRYPTION_KEYS: options.encryptionKeys,
      TEMPORAL_PAYLOAD_KEYS: target.payloadKeys,
      TEMPORAL_ADDRESS: target.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      LOOKER_ALLOWED_HOSTS: target.lookerAllowedHosts.join(','),
      TASK_QUEUE: options.taskQueue,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // DEBUG_WORKER_LOG=/tmp/w (with TEST_LOG_LEVEL=debug) keeps each worker's log in /tmp/w.<pid>.
  if (process.env.DEBUG_WORKER_LOG) proc.stdout.pipe(createWriteStream(`${process.env.DEBUG_WORKER_LOG}.${proc.pid}`));
  return new Promise((resolve, reject) => {
    let output = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker-ready')) resolve(proc);
    });
    proc.once('exit', (code, signal) => reject(new Error(`worker process exited before it was ready (${code ?? signal})`)));
  });
}
