import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Activities } from '../activities';
import type { EncryptionKeys } from '../crypto/secret-box';
import { defaultWorkerTuning, type WorkerTuning } from '../config/env';
import type { Logger } from '../logger';
import { TASK_QUEUE } from '../shared/ids';
import type { Tracing } from '../telemetry/tracing';
import { createDataConverter } from './data-converter';
import { workerTracingOptions } from './tracing';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export async function createMetricWorker(options: {
  connection: NativeConnection;
  namespace: string;
  activities: Activities;
  logger: Logger;
  /** TEMPORAL_PAYLOAD_KEYS; the same ring as the clients', or neither can read the other's payloads. */
  payloadKeys: EncryptionKeys;
  taskQueue?: string;
  /** The workflow code bundled at build time (npm run build); without it, bundled at start-up. */
  workflowBundlePath?: string;
  /**
   * Concurrent activities and workflow tasks, and the sticky cache size (WORKER_* settings); each
   * missing field takes its default. Looker allows 15 concurrent queries per user.
   */
  tuning?: Partial<WorkerTuning>;
  /** The process's tracing SDK when OTEL_EXPORTER_OTLP_ENDPOINT is set (startTracing). */
  tracing?: Tracing;
}): Promise<Worker> {
  const tuning = { ...defaultWorkerTuning, ...options.tuning };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    ...(options.workflowBundlePath ? { workflowBundle: { codePath: options.workflowBundlePath } } : { workflowsPath }),
    activities: options.activities,
    dataConverter: createDataConverter(options.payloadKeys),
    ...workerTracingOptions(options.tracing, { bundled: options.workflowBundlePath !== undefined }),
    maxConcurrentActivityTaskExecutions: tuning.maxConcurrentActivityTaskExecutions,
    maxConcurrentWorkflowTaskExecutions: tuning.maxConcurrentWorkflowTaskExecutions,
    maxCachedWorkflows: tuning.maxCachedWorkflows,
    shutdownGraceTime: '5 seconds',
  });
}
