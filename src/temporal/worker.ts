import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Activities } from '../activities';
import type { Logger } from '../logger';
import { TASK_QUEUE } from '../shared/ids';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export async function createMetricWorker(options: {
  connection: NativeConnection;
  namespace: string;
  activities: Activities;
  logger: Logger;
  taskQueue?: string;
  /** Cap on concurrent activities per worker; Looker allows 15 concurrent queries per user. */
  maxConcurrentActivityTaskExecutions?: number;
}): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    workflowsPath,
    activities: options.activities,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? 20,
    shutdownGraceTime: '5 seconds',
  });
}
