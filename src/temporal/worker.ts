import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Activities } from '../activities';
import { defaultWorkerTuning, type WorkerTuning } from '../config/env';
import type { Logger } from '../logger';
import { TASK_QUEUE } from '../shared/ids';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export async function createMetricWorker(options: {
  connection: NativeConnection;
  namespace: string;
  activities: Activities;
  logger: Logger;
  taskQueue?: string;
  /**
   * Concurrent activities and workflow tasks, and the sticky cache size (WORKER_* settings); each
   * missing field takes its default. Looker allows 15 concurrent queries per user.
   */
  tuning?: Partial<WorkerTuning>;
}): Promise<Worker> {
  const tuning = { ...defaultWorkerTuning, ...options.tuning };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    workflowsPath,
    activities: options.activities,
    maxConcurrentActivityTaskExecutions: tuning.maxConcurrentActivityTaskExecutions,
    maxConcurrentWorkflowTaskExecutions: tuning.maxConcurrentWorkflowTaskExecutions,
    maxCachedWorkflows: tuning.maxCachedWorkflows,
    shutdownGraceTime: '5 seconds',
  });
}
