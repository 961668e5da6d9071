import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Activities } from '../activities';
import type { EncryptionKeys } from '../crypto/secret-box';
import type { Logger } from '../logger';
import { TASK_QUEUE } from '../shared/ids';
import { createDataConverter } from './data-converter';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export async function createMetricWorker(options: {
  connection: NativeConnection;
  namespace: string;
  activities: Activities;
  logger: Logger;
  /** TEMPORAL_PAYLOAD_KEYS; the same ring as the clients', or neither can read the other's payloads. */
  payloadKeys: EncryptionKeys;
  taskQueue?: string;
  /** Cap on concurrent activities per worker; Looker allows 15 concurrent queries per user. */
  maxConcurrentActivityTaskExecutions?: number;
  /** The workflow code bundled at build time (npm run build); without it, bundled at start-up. */
  workflowBundlePath?: string;
}): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    ...(options.workflowBundlePath ? { workflowBundle: { codePath: options.workflowBundlePath } } : { workflowsPath }),
    activities: options.activities,
    dataConverter: createDataConverter(options.payloadKeys),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? 20,
    shutdownGraceTime: '5 seconds',
  });
}
