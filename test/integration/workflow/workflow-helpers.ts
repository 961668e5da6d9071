import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { sql } from 'drizzle-orm';
import { inject } from 'vitest';
import { createLogger, silentLogger, type Logger } from '../../../src/logger';
import { metricWorkflowId } from '../../../src/shared/ids';
import { getStatus } from '../../../src/shared/messages';
import { ImportStateKey, IntegrationIdKey, MetricIdKey, WorkspaceIdKey } from '../../../src/shared/search-attributes';
import type { MetricStatus } from '../../../src/shared/types';
import { eventually } from '../../helpers/eventually';
import { emulatorCredentials, startTestStack, testPayloadKeys, type TestStack } from '../../helpers/test-stack';
import { createDataConverter } from '../../../src/temporal/data-converter';
import { parsePayloadKeys } from '../../../src/temporal/payload-codec';
import { installRuntimeLogger } from '../../../src/temporal/runtime-logger';
import { importTimeAhead, testNow } from '../../helpers/test-clock';

const exec = promisify(execFile);

export function testLogger(): Logger {
  return process.env.TEST_LOG_LEVEL ? createLogger({ level: process.env.TEST_LOG_LEVEL }) : silentLogger;
}

/**
 * The time-skipping test server, with our search attributes registered. Unlike the dev server it
 * takes no `--search-attribute` flags, but it does implement the operator service's
 * AddSearchAttributes, so the workflow and the gateway run unchanged (typed search attributes on
 * start, upserts of ImportState) instead of through a test-only code path. Its client encrypts
 * payloads with `payloadKeys` (TEMPORAL_PAYLOAD_KEYS), like the service's.
 */
export async function createTimeSkippingEnv(payloadKeys: string): Promise<TestWorkflowEnvironment> {
  // The SDK's own logs (bundling, activity retries) go where the service's go: nowhere unless
  // TEST_LOG_LEVEL is set. Must happen before the environment creates the runtime.
  installRuntimeLogger(testLogger());
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: inject('temporalTestServerPath') } },
    client: { dataConverter: createDataConverter(parsePayloadKeys(payloadKeys)) },
  });
  // The server starts at the real "now"; TEST_START_AT moves it to the suite's start.
  await skipTo(env, new Date(testNow()));
  const keyword = 2; // temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries([MetricIdKey, IntegrationIdKey, WorkspaceIdKey, ImportStateKey].map((key) => [key.name, keyword])),
  });
  return env;
}

export interface TimeSkippingStack {
  env: TestWorkflowEnvironment;
  stack: TestStack;
}

/** The whole service on a fresh time-skipping environment, seeded with the emulator's test Looks. */
export async function startTimeSkippingStack(options: Parameters<typeof startTestStack>[0] = {}): Promise<TimeSkippingStack> {
  // The keys exist before the environment, whose client is created with them. A recorded history
  // must be readable by the replay test, so recording uses the committed replay key.
  const payloadKeys = options.payloadKeys ?? (process.env.RECORD_REPLAY_HISTORY === '1' ? replayPayloadKeys : testPayloadKeys());
  const env = await createTimeSkippingEnv(payloadKeys);
  const stack = await startTestStack({
    temporal: { client: env.client, connection: env.nativeConnection, now: () => env.currentTimeMs() },
    seed: 'test',
    ...options,
    payloadKeys,
  });
  return { env, stack };
}

export async function stopTimeSkippingStack(started: Partial<TimeSkippingStack>): Promise<void> {
  await started.stack?.stop();
  await started.env?.teardown();
}

export interface CreatedMetric {
  id: string;
  workflowId: string;
  integrationId: string;
  schedule: { importTime: string; timeZone: string };
}

export interface MetricInput {
  lookId?: string;
  dateField?: string;
  valueField?: string;
  importTime?: string;
  timeZone?: string;
}

/** An integration for the stack's emulator, created through the API (credentials checked). */
export async function createIntegration(stack: TestStack): Promise<string> {
  const integration = await stack.http<{ id: string }>('POST', '/v1/integrations', {
    name: 'Emulated Looker',
    apiEndpoint: stack.emulator.url,
    ...emulatorCredentials,
  });
  if (integration.status !== 201) throw new Error(`creating the integration answered ${integration.status}: ${integration.text}`);
  return integration.body.id;
}

/**
 * A metric on Look 1 (daily revenue) created through the API, which starts its workflow. Unless
 * the test gives one, the import time is twelve hours ahead on the stack's clock (Berlin wall
 * time), so no import comes due while the test works unless the test skips to it.
 */
export async function createMetric(stack: TestStack, integrationId: string, input: MetricInput = {}): Promise<CreatedMetric> {
  const timeZone = input.timeZone ?? 'Europe/Berlin';
  const schedule = { importTime: input.importTime ?? importTimeAhead(await stack.now(), timeZone), timeZone };
  const created = await stack.http<{ id: string }>('POST', '/v1/metrics', {
    name: 'Daily revenue',
    integrationId,
    lookId: input.lookId ?? '1',
    dateField: input.dateField ?? 'orders.created_date',
    valueField: input.valueField ?? 'orders.total_revenue',
    ...schedule,
  });
  if (created.status !== 202) throw new Error(`creating the metric answered ${created.status}: ${created.text}`);
  return { id: created.body.id, workflowId: metricWorkflowId(created.body.id), integrationId, schedule };
}

export interface ImportRunRow {
  id: string;
  kind: string;
  status: string;
  scheduledFor: Date;
  valueField: string;
  configVersion: number;
  rowsRead: number | null;
  inserted: number | null;
  updated: number | null;
  unchanged: number | null;
  deleted: number | null;
  error: string | null;
}

/** The metric's import history, oldest first (by the workflow time each run was due). */
export async function importRuns(stack: TestStack, metricId: string): Promise<ImportRunRow[]> {
  const rows = await stack.services.database.db.execute<Record<string, unknown>>(sql`
    select id, kind, status, scheduled_for, value_field, config_version, rows_read, inserted, updated, unchanged, deleted, error
    from import_runs where metric_id = ${metricId} order by scheduled_for, started_at`);
  return rows.map((row) => ({
    id: String(row.id),
    kind: String(row.kind),
    status: String(row.status),
    scheduledFor: new Date(String(row.scheduled_for)),
    valueField: String(row.value_field),
    configVersion: Number(row.config_version),
    rowsRead: row.rows_read === null ? null : Number(row.rows_read),
    inserted: row.inserted === null ? null : Number(row.inserted),
    updated: row.updated === null ? null : Number(row.updated),
    unchanged: row.unchanged === null ? null : Number(row.unchanged),
    deleted: row.deleted === null ? null : Number(row.deleted),
    error: typeof row.error === 'string' ? row.error : null,
  }));
}

/** Every stored datapoint of the metric, by date. */
export async function datapoints(stack: TestStack, metricId: string): Promise<Map<string, string>> {
  const rows = await stack.services.database.db.execute<{ date: string; value: string }>(
    sql`select date::text as date, value::text as value from datapoints where metric_id = ${metricId} order by date`,
  );
  return new Map(rows.map((row) => [row.date, row.value]));
}

export interface MetricRowView {
  state: string;
  lastError: string | null;
  nextImportAt: Date | null;
  importTime: string;
  timeZone: string;
  valueField: string;
  lookId: string;
  configVersion: number;
}

export async function metricRow(stack: TestStack, metricId: string): Promise<MetricRowView> {
  const [row] = await stack.services.database.db.execute<Record<string, unknown>>(
    sql`select state, last_error, next_import_at, import_time, time_zone, value_field, look_id, config_version from metrics where id = ${metricId}`,
  );
  if (!row) throw new Error(`metric ${metricId} not found`);
  return {
    state: String(row.state),
    lastError: typeof row.last_error === 'string' ? row.last_error : null,
    nextImportAt: typeof row.next_import_at === 'string' || row.next_import_at instanceof Date ? new Date(row.next_import_at) : null,
    importTime: String(row.import_time),
    timeZone: String(row.time_zone),
    valueField: String(row.value_field),
    lookId: String(row.look_id),
    configVersion: Number(row.config_version),
  };
}

export function status(stack: TestStack, metricId: string): Promise<MetricStatus> {
  return stack.client.workflow.getHandle(metricWorkflowId(metricId)).query(getStatus);
}

/** Waits (in real time) until the workflow is idle: no import in flight and `check` holds. */
export function eventuallyStatus(
  stack: TestStack,
  metricId: string,
  check: (status: MetricStatus) => boolean,
  options?: { timeoutMs?: number },
): Promise<MetricStatus> {
  return eventually(async () => {
    const current = await status(stack, metricId);
    return !current.importing && check(current) ? current : undefined;
  }, options);
}

/** Rows of Look `lookId` straight from the emulator, as the importer should store them. */
export async function lookRows(stack: TestStack, lookId: string): Promise<Record<string, unknown>[]> {
  const login = await fetch(`${stack.emulator.apiUrl}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: emulatorCredentials.clientId, client_secret: emulatorCredentials.clientSecret }),
  });
  const { access_token: token } = (await login.json()) as { access_token: string };
  const response = await fetch(`${stack.emulator.apiUrl}/looks/${lookId}/run/json?limit=-1&apply_formatting=false`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return (await response.json()) as Record<string, unknown>[];
}

/** Berlin wall-clock time of an instant, 'YYYY-MM-DD HH:MM', independent of the process TZ. */
export function berlinWallClock(at: Date): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Berlin',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

/** Skips the test server's clock to `target` (it only moves forward); running timers fire on the way. */
export async function skipTo(env: TestWorkflowEnvironment, target: Date): Promise<void> {
  const now = await env.currentTimeMs();
  if (target.getTime() > now) await env.sleep(target.getTime() - now);
}

/**
 * TEMPORAL_PAYLOAD_KEYS of the workflows whose histories are recorded for the replay test. A test
 * key, public on purpose: the replay test needs it to decrypt the committed histories.
 */
export const replayPayloadKeys = 'replay1:1NOtFtDvGIxYX60O/IqhplrKxCbKEr7IgF8LE4VkGq8=';

/** Where replay histories live (committed; `replay.test.ts` runs each against the current code). */
export const replayHistoriesDir = fileURLToPath(new URL('../../replay/histories/', import.meta.url));

/**
 * With RECORD_REPLAY_HISTORY=1, writes the history of one workflow run to
 * test/replay/histories/<name>.json, exported by the Temporal CLI (`temporal workflow show
 * --output json`, the format an operator exports from any server). Recording is opt-in so a normal
 * test run never changes committed files; see docs/workflow.md ("Recording a replay history").
 */
export async function maybeRecordHistory(address: string, name: string, workflowId: string, runId: string): Promise<void> {
  if (process.env.RECORD_REPLAY_HISTORY !== '1') return;
  const { stdout } = await exec(inject('temporalCliPath'), [
    'workflow', 'show', '--address', address, '--namespace', 'default', '--workflow-id', workflowId, '--run-id', runId, '--output', 'json',
  ], { maxBuffer: 64 * 1024 * 1024 });
  await mkdir(replayHistoriesDir, { recursive: true });
  const file = path.join(replayHistoriesDir, `${name}.json`);
  await writeFile(file, `${JSON.stringify(JSON.parse(stdout), null, 2)}\n`);
  process.stderr.write(`recorded ${file}\n`);
}

/** Runs the Temporal CLI against a server on 127.0.0.1; resolves with its stdout. */
export async function temporalCli(args: string[]): Promise<string> {
  const { stdout } = await exec(inject('temporalCliPath'), args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}
