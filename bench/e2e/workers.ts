import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { measurePipelineBackfill, type BackfillFigures } from './backfill';
import type { E2eStack } from './stack';

export interface WorkerRound {
  workers: number;
  backfill: BackfillFigures;
  metricsPerSecond: number;
  /** Throughput ÷ the one-worker round's. */
  speedup: number;
}

const workerCli = fileURLToPath(new URL('../../src/cli/worker.ts', import.meta.url));

/** One production worker process (`src/cli/worker.ts`) on the stack; resolves once it polls. */
function startWorkerProcess(stack: E2eStack): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', workerCli], {
    env: { ...process.env, ...stack.workerEnv, LOG_LEVEL: 'info', LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"worker started"')) resolve(child);
    });
    child.once('exit', (code, signal) => reject(new Error(`worker process exited before it polled (${code ?? signal})`)));
  });
}

async function stopWorkerProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Horizontal scaling: the same backfill (fresh metrics each round) served by 1, 2, … production
 * worker processes on one task queue; throughput as a ratio to the one-worker round.
 */
export async function measureWorkerScaling(
  stack: E2eStack,
  options: { workerCounts: number[]; metrics: number; looks: number; delayMs: number; clients: number },
): Promise<WorkerRound[]> {
  const rounds: WorkerRound[] = [];
  for (const workers of options.workerCounts) {
    const children = await Promise.all(Array.from({ length: workers }, () => startWorkerProcess(stack)));
    try {
      const { metricIds, ...backfill } = await measurePipelineBackfill(stack, {
        metrics: options.metrics,
        looks: options.looks,
        delayMs: options.delayMs,
        clients: options.clients,
        prefix: `${workers} workers #`,
      });
      const metricsPerSecond = metricIds.length / (backfill.elapsedMs / 1000);
      rounds.push({ workers, backfill, metricsPerSecond, speedup: metricsPerSecond / (rounds[0]?.metricsPerSecond ?? metricsPerSecond) });
    } finally {
      await Promise.all(children.map(stopWorkerProcess));
    }
  }
  return rounds;
}
