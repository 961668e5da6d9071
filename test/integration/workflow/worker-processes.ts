import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import type { TestStack } from '../../helpers/test-stack';

const workerScript = fileURLToPath(new URL('./worker-process.ts', import.meta.url));

/**
 * A worker in its own OS process (worker-process.ts) on the stack's database, Temporal server,
 * keys and emulator; resolves once it polls `taskQueue`, so a test can kill it mid-import.
 */
export function startWorkerProcess(
  stack: TestStack,
  options: { encryptionKeys: string; taskQueue: string; env?: Record<string, string> },
): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', workerScript], {
    env: {
      ...process.env,
      DATABASE_URL: stack.services.settings.databaseUrl,
      ENCRYPTION_KEYS: options.encryptionKeys,
      TEMPORAL_PAYLOAD_KEYS: stack.payloadKeys,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: 'default',
      LOOKER_ALLOWED_HOSTS: `127.0.0.1:${stack.emulator.port}`,
      TASK_QUEUE: options.taskQueue,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker-ready')) resolve(proc);
    });
    proc.once('exit', (code, signal) => reject(new Error(`worker process exited before it was ready (${code ?? signal})`)));
  });
}
