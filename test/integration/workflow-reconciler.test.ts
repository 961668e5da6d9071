import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/client';
import { runMigrations } from '../../src/db/migrate';
import { createWorkspaceWithKey } from '../../src/db/repositories/workspaces';
import { integrations, metrics } from '../../src/db/schema';
import { silentLogger } from '../../src/logger';
import { reconcileMetricWorkflows, reconcilerLockKey, type ReconcilerDeps } from '../../src/runtime/metric-workflow-reconciler';
import { metricWorkflowId } from '../../src/shared/ids';
import { connectTemporalClient } from '../../src/temporal/connection';
import { createMetricWorkflowGateway, type MetricWorkflowGateway } from '../../src/temporal/metric-workflow-gateway';
import { parsePayloadKeys } from '../../src/temporal/payload-codec';
import { eventually } from '../helpers/eventually';
import { createTestDatabase } from '../helpers/test-database';
import { testPayloadKeys } from '../helpers/test-stack';

/**
 * The inconsistent states a process killed between a metric's row and its workflow leaves behind,
 * made directly, on a database of the test's own (the reconciler sweeps a whole database). No
 * worker polls the task queue, so a workflow only ends when someone ends it.
 */
describe('metric/workflow reconciler', () => {
  let testDatabase: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let database: Database;
  let temporal: Awaited<ReturnType<typeof connectTemporalClient>>;
  let gateway: MetricWorkflowGateway;
  let deps: ReconcilerDeps;
  let workspaceId: string;
  let integrationId: string;
  const started: string[] = [];

  beforeAll(async () => {
    const server = new URL(inject('databaseUrl'));
    server.pathname = '/postgres';
    testDatabase = await createTestDatabase(server.toString());
    await runMigrations(testDatabase.url);
    // One connection: the sweep must do all its work on the one it reserves.
    database = createDatabase(testDatabase.url, { max: 1 });
    temporal = await connectTemporalClient({ address: inject('temporalAddress'), namespace: 'default', payloadKeys: parsePayloadKeys(testPayloadKeys()) });
    gateway = createMetricWorkflowGateway(temporal.client, { taskQueue: `reconciler-${randomUUID()}` });
    deps = { sql: database.sql, workflows: gateway, logger: silentLogger, graceSeconds: 60 };
    ({ workspaceId } = await createWorkspaceWithKey(database.db, { name: 'reconciler' }));
    const [integration] = await database.db
      .insert(integrations)
      .values({ workspaceId, name: 'Looker', apiEndpoint: 'https://looker.invalid/api/4.0', clientId: 'id', clientSecretSealed: 'sealed', secretKeyId: 'k1' })
      .returning();
    integrationId = integration!.id;
  });
  afterAll(async () => {
    for (const metricId of started) await gateway.terminate(metricId, 'test cleanup').catch(() => undefined);
    await temporal?.close();
    await database?.close();
    await testDatabase?.drop();
  });

  /** A metric row; `ageSeconds` back-dates it past (or inside) the grace period. */
  async function metricRow(ageSeconds: number): Promise<string> {
    const id = randomUUID();
    await database.db.insert(metrics).values({
      id,
      workspaceId,
      integrationId,
      name: `metric ${id.slice(0, 8)}`,
      lookId: '1',
      dateField: 'orders.created_date',
      valueField: 'orders.count',
      createdAt: sql`now() - make_interval(secs => ${ageSeconds})`,
    });
    return id;
  }

  async function startWorkflow(metricId: string, workspace = workspaceId): Promise<void> {
    await gateway.start({ metricId, workspaceId: workspace, integrationId, schedule: { importTime: '06:00', timeZone: 'UTC' } });
    started.push(metricId);
  }

  /** Read from the workflow itself, not from visibility, which may lag. */
  async function runs(metricId: string): Promise<string> {
    try {
      const { status } = await temporal.client.workflow.getHandle(metricWorkflowId(metricId)).describe();
      return status.name;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return 'NONE';
      throw error;
    }
  }

  /** One sweep that must not be skipped, its lists sorted. */
  async function sweep() {
    const result = await reconcileMetricWorkflows(deps);
    if (result.skipped) throw new Error('the sweep was skipped');
    const { skipped: _, ...rest } = result;
    return { ...rest, started: [...rest.started].sort(), terminated: [...rest.terminated].sort() };
  }

  /** Until visibility has caught up with the starts and ends so far. */
  const visibilityShows = (expected: string[]) =>
    eventually(async () => {
      const running = (await gateway.runningMetricIds([workspaceId])).sort();
      return JSON.stringify(running) === JSON.stringify([...expected].sort()) ? running : undefined;
    });

  it('repairs nothing when every metric has its running workflow and every workflow its metric', async () => {
    const consistent = [await metricRow(3600), await metricRow(3600)];
    for (const metricId of consistent) await startWorkflow(metricId);
    await visibilityShows(consistent);

    expect(await sweep()).toMatchObject({ metrics: 2, runningWorkflows: 2, started: [], terminated: [], failed: [] });
    for (const metricId of consistent) expect(await runs(metricId)).toBe('RUNNING');
  });

  it('starts the workflow a settled metric lacks, terminates the workflow whose metric is gone, and leaves young metrics and other deployments alone', async () => {
    const consistent = (await gateway.runningMetricIds([workspaceId])).sort();
    // Create killed after the insert: the row, never a workflow.
    const withoutWorkflow = await metricRow(3600);
    // Delete killed after the terminate: the row, its workflow ended.
    const workflowEnded = await metricRow(3600);
    await startWorkflow(workflowEnded);
    await gateway.terminate(workflowEnded, 'delete interrupted');
    // Create whose start failed (or seemed to) and which removed its row: a workflow, no row.
    const orphan = randomUUID();
    await startWorkflow(orphan);
    // A create in progress: the row is inserted and its start has not happened yet.
    const young = await metricRow(0);
    // Another deployment's workflow on the same namespace: a workspace this database does not know.
    const foreign = randomUUID();
    await startWorkflow(foreign, randomUUID());
    await visibilityShows([...consistent, orphan]);

    expect(await sweep()).toEqual({
      metrics: 5,
      runningWorkflows: 3,
      started: [withoutWorkflow, workflowEnded].sort(),
      terminated: [orphan],
      failed: [],
    });
    started.push(withoutWorkflow);

    expect(await runs(withoutWorkflow)).toBe('RUNNING');
    expect(await runs(workflowEnded)).toBe('RUNNING');
    expect(await runs(orphan)).toBe('TERMINATED');
    expect(await runs(young)).toBe('NONE');
    expect(await runs(foreign)).toBe('RUNNING');
    for (const metricId of consistent) expect(await runs(metricId)).toBe('RUNNING');

    // Consistent again: the next sweep repairs nothing.
    await visibilityShows([...consistent, withoutWorkflow, workflowEnded]);
    expect(await sweep()).toMatchObject({ started: [], terminated: [], failed: [] });
    await database.db.delete(metrics).where(sql`${metrics.id} = ${young}`);
  });

  it('skips the sweep while another process holds the reconciler lock, and sweeps once that process is gone', async () => {
    // Another API process: a session of its own.
    const other = postgres(testDatabase!.url, { max: 1, onnotice: () => undefined });
    const orphan = randomUUID();
    try {
      await other`select pg_advisory_lock(${reconcilerLockKey})`;
      await startWorkflow(orphan);
      await eventually(async () => ((await gateway.runningMetricIds([workspaceId])).includes(orphan) ? true : undefined));
      expect(await reconcileMetricWorkflows(deps)).toEqual({ skipped: true });
      expect(await runs(orphan)).toBe('RUNNING');
    } finally {
      await other.end();
    }
    // Its session ended (as when the process dies), so did its lock.
    expect(await sweep()).toMatchObject({ started: [], terminated: [orphan], failed: [] });
    expect(await runs(orphan)).toBe('TERMINATED');
  });
});
