import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectTemporalClient } from '../../src/temporal/connection';
import { parsePayloadKeys } from '../../src/temporal/payload-codec';
import { testPayloadKeys } from '../helpers/test-stack';
import { createMetricWorkflowGateway, WorkflowGatewayError } from '../../src/temporal/metric-workflow-gateway';

/**
 * The API must answer even when no worker runs: the workflow only processes updates on a worker,
 * so without a deadline a pause would wait indefinitely. Here no worker polls the task queue.
 */
describe('workflow gateway without workers', () => {
  let temporal: Awaited<ReturnType<typeof connectTemporalClient>>;
  beforeAll(async () => {
    temporal = await connectTemporalClient({ address: inject('temporalAddress'), namespace: 'default', payloadKeys: parsePayloadKeys(testPayloadKeys()) });
  });
  afterAll(async () => {
    await temporal?.close();
  });

  it('gives up on messages after its deadline with a readable "unavailable" error, and can still delete the workflow', async () => {
    const gateway = createMetricWorkflowGateway(temporal.client, {
      taskQueue: `no-workers-${randomUUID()}`,
      messageTimeoutMs: 1_000,
      statusTimeoutMs: 1_000,
    });
    const metricId = randomUUID();
    await gateway.start({ metricId, workspaceId: randomUUID(), integrationId: randomUUID(), schedule: { importTime: '06:00', timeZone: 'UTC' } });

    for (const call of [() => gateway.pause(metricId), () => gateway.updateSchedule(metricId, { importTime: '07:00', timeZone: 'UTC' })]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowGatewayError);
      expect(error).toMatchObject({ kind: 'unavailable' });
      expect((error as Error).message).toMatch(/no worker is running/);
    }
    expect(await gateway.reachable()).toBe(true);
    await gateway.terminate(metricId, 'test cleanup');
    await expect(gateway.status(metricId)).rejects.toMatchObject({ kind: 'not_found' });
  });
});
