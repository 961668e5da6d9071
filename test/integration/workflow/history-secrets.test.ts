import type { PayloadCodec } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrations, lookerTokens } from '../../../src/db/schema';
import { clientSecretAad } from '../../../src/looker/client-factory';
import { tokenAad } from '../../../src/looker/postgres-token-store';
import { metricWorkflowId } from '../../../src/shared/ids';
import { createEncryptionCodec, encryptedEncoding, parsePayloadKeys } from '../../../src/temporal/payload-codec';
import { importNow } from '../../../src/shared/messages';
import { eventually } from '../../helpers/eventually';
import { emulatorCredentials, type TestStack } from '../../helpers/test-stack';
import { importTimeAhead } from '../../helpers/test-clock';
import {
  createIntegration,
  createMetric,
  startTimeSkippingStack,
  stopTimeSkippingStack,
  datapoints,
  eventuallyStatus,
  maybeRecordHistory,
  skipTo,
  temporalCli,
} from './workflow-helpers';

/**
 * Acceptance 7: the whole workflow history — every event, every payload decoded, every failure
 * message and stack trace — holds no access token, no client secret and no datapoint value, after
 * a life that exercises every path that could leak one: backfill, config change, schedule change,
 * pause and resume, import now, a 429, revoked credentials (a failing login) and the fix.
 *
 * Issue 11, acceptance 2: with the payload codec on, the history as the server stores it (read
 * without the codec, by the SDK and by `temporal workflow show`) holds no field name, Look
 * reference or failure message in readable form either; every payload but the search attributes is
 * encrypted (test/integration/api/codec-endpoint.test.ts shows the CLI decoding them through the
 * API's codec endpoint).
 *
 * Datapoint values are made unmistakable (seven-digit numbers no id, count or timestamp in a
 * history could contain by accident), so a match would be a real leak. With
 * RECORD_REPLAY_HISTORY=1 this history is also recorded for the replay test.
 */
describe('workflow history', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;

  beforeAll(async () => {
    ({ env, stack } = await startTimeSkippingStack());
  });
  afterAll(() => stopTimeSkippingStack({ env, stack }));

  async function storedToken(integrationId: string): Promise<string | undefined> {
    const [row] = await stack.services.database.db.select().from(lookerTokens).where(eq(lookerTokens.integrationId, integrationId));
    return row?.accessTokenSealed ? stack.services.secretBox.decrypt(row.accessTokenSealed, tokenAad(row)) : undefined;
  }

  async function setClientSecret(integrationId: string, secret: string): Promise<void> {
    const { secretBox, database } = stack.services;
    await database.db
      .update(integrations)
      .set({ clientSecretSealed: secretBox.encrypt(secret, clientSecretAad(integrationId)) })
      .where(eq(integrations.id, integrationId));
  }

  it('holds no access token, client secret or datapoint value', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({
      'orders.created_date': new Date(Date.UTC(2024, 4, 1 + i)).toISOString().slice(0, 10),
      'orders.total_revenue': 7_300_013.77 + i * 1_013.11,
      'orders.count': 9_100_003 + i * 7_919,
    }));
    stack.emulator.control.setLookRows('1', rows);
    const integrationId = await createIntegration(stack);
    const metric = await createMetric(stack, integrationId);
    const handle = stack.client.workflow.getHandle(metricWorkflowId(metric.id));
    const tokens = new Set<string>();
    const values = new Set<string>();
    const collect = async () => {
      const token = await storedToken(integrationId);
      if (token) tokens.add(token);
      for (const value of (await datapoints(stack, metric.id)).values()) values.add(value);
    };

    await eventuallyStatus(stack, metric.id, (s) => s.state === 'active');
    await collect();
    await stack.gateway.updateSourceConfig(metric.id, { valueField: 'orders.count' });
    await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.kind === 'config_change');
    await collect();
    // Moved, and still hours away, so the three minutes skipped below cross no import time.
    await stack.gateway.updateSchedule(metric.id, { importTime: importTimeAhead(await env.currentTimeMs(), 'Europe/Berlin', 9), timeZone: 'Europe/Berlin' });
    await stack.gateway.pause(metric.id);
    await stack.gateway.resume(metric.id);

    // A 429 with Retry-After, then success.
    const limited = stack.emulator.control.addFault({ type: 'rate-limit', retryAfterSeconds: 120, count: 1, match: { path: '/looks/1/run/json' } });
    await handle.signal(importNow);
    await eventually(() => Promise.resolve(stack.emulator.control.listFaults().find((f) => f.id === limited.id)?.hits === 1 ? true : undefined));
    await env.sleep('3 minutes');
    await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.kind === 'manual' && s.lastImport.succeeded);

    // Revoked credentials: the login with the stored secret fails at the next scheduled import.
    const revokedSecret = 'revoked-5f1c0a9e7b3d2468ace0';
    await setClientSecret(integrationId, revokedSecret);
    stack.emulator.control.expireTokens();
    const before = await eventuallyStatus(stack, metric.id, (s) => s.nextImportAt !== null);
    await skipTo(env, new Date(Date.parse(before.nextImportAt!) + 60_000));
    await eventuallyStatus(stack, metric.id, (s) => s.state === 'needs_attention');

    // Fixed, and retried at once by resume.
    await setClientSecret(integrationId, emulatorCredentials.clientSecret);
    await stack.gateway.resume(metric.id);
    await eventuallyStatus(stack, metric.id, (s) => s.state === 'active' && s.lastImport?.succeeded === true);
    await collect();

    const stored = await handle.fetchHistory();
    const history = historyText(await decodePayloads(stored, createEncryptionCodec(parsePayloadKeys(stack.payloadKeys))));
    // The scan reads the real thing: ids, field names, failure types and messages are all there.
    const expectedInHistory = [metric.id, 'orders.count', 'LookerCredentialsRejected', 'Looker rejected the client ID', '"rowsRead":40', '"lookId":"1"'];
    expect(expectedInHistory.filter((text) => !history.includes(text))).toEqual([]);

    expect(tokens.size).toBeGreaterThanOrEqual(2);
    expect(values.size).toBe(rows.length * 2);
    const secrets = [...tokens, emulatorCredentials.clientSecret, revokedSecret];
    const leakedValues = (text: string) => [...values].filter((value) => new RegExp(`(?<![0-9.])${value.replace('.', '\\.')}(?![0-9])`).test(text));
    expect(secrets.filter((secret) => history.includes(secret))).toEqual([]);
    expect(leakedValues(history)).toEqual([]);

    // Without the codec: what the server stores and `temporal workflow show` prints.
    const readable = ['orders.count', 'orders.total_revenue', 'orders.created_date', 'lookId', 'Looker rejected the client ID', 'rowsRead', ...secrets];
    expect(unencryptedPayloads(stored)).toEqual([]);
    const raw = historyText(stored);
    expect(readable.filter((text) => raw.includes(text))).toEqual([]);
    expect(leakedValues(raw)).toEqual([]);
    const show = ['workflow', 'show', '--address', env.address, '--namespace', 'default', '--workflow-id', metric.workflowId];
    for (const output of [await temporalCli(show), await temporalCli([...show, '--output', 'json'])]) {
      expect(readable.filter((text) => output.includes(text))).toEqual([]);
      expect(leakedValues(output)).toEqual([]);
    }

    const { runId } = await handle.describe();
    await maybeRecordHistory(env.address, 'metric-import-lifecycle', metric.workflowId, runId);
    await stack.gateway.terminate(metric.id, 'test done');
  });
});

/**
 * Every string and number in the history, one per line, with every payload's bytes decoded as
 * text (payloads are JSON-encoded) and 64-bit integers as decimals.
 */
function historyText(history: unknown): string {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const walk = (value: unknown): void => {
    if (value === null || value === undefined) return;
    if (value instanceof Uint8Array) {
      out.push(Buffer.from(value).toString('utf8'));
      return;
    }
    if (typeof value === 'object') {
      if (seen.has(value)) return;
      seen.add(value);
      if ('low' in value && 'high' in value && 'unsigned' in value) {
        out.push((value as { toString(): string }).toString());
        return;
      }
      for (const [key, child] of Object.entries(value)) {
        out.push(key);
        walk(child);
      }
      return;
    }
    out.push(typeof value === 'string' ? value : JSON.stringify(value));
  };
  walk(history);
  return out.join('\n');
}

const isPayload = (value: object): value is { metadata: Record<string, Uint8Array>; data?: Uint8Array } =>
  'metadata' in value && typeof value.metadata === 'object' && value.metadata !== null && 'encoding' in value.metadata;
const encodingOf = (payload: { metadata: Record<string, Uint8Array> }) => Buffer.from(payload.metadata.encoding ?? []).toString('utf8');
/** A JSON object of a W3C `traceparent` and at most a `tracestate`: ids and flags, nothing else. */
const onlyTraceContext = (payload: { data?: Uint8Array }) => {
  const context = JSON.parse(Buffer.from(payload.data ?? []).toString('utf8')) as Record<string, unknown>;
  return /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/.test(String(context.traceparent)) && Object.keys(context).every((key) => ['traceparent', 'tracestate'].includes(key));
};

/** A copy of `value` with every encrypted payload decoded by `codec`, as a worker would see it. */
async function decodePayloads(value: unknown, codec: PayloadCodec): Promise<unknown> {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  if ('low' in value && 'high' in value && 'unsigned' in value) return value;
  if (isPayload(value) && encodingOf(value) === encryptedEncoding) return (await codec.decode([value]))[0];
  if (Array.isArray(value)) return Promise.all(value.map((item) => decodePayloads(item, codec)));
  const entries = await Promise.all(Object.entries(value).map(async ([key, child]) => [key, await decodePayloads(child, codec)] as const));
  return Object.fromEntries(entries);
}

/**
 * Where the history holds a payload in readable form. Three kinds must be: search attributes (the
 * server indexes them), the SDK core's own marker bookkeeping (a local activity's sequence number,
 * type and times; a patch id), which core writes without the codec, and the trace context header
 * (headers never pass the codec), which may hold nothing but the W3C trace context
 * (docs/operations.md, "Tracing"). The local activity's result beside the markers is encrypted.
 */
function unencryptedPayloads(value: unknown, at = ''): string[] {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return [];
  if (at.endsWith('.searchAttributes.indexedFields') || /\.markerRecordedEventAttributes\.details\.(data|patch-data)$/.test(at)) return [];
  if (at.endsWith('.header.fields._tracer-data') && isPayload(value) && onlyTraceContext(value)) return [];
  if (isPayload(value)) return encodingOf(value) === encryptedEncoding ? [] : [`${at} (${encodingOf(value)})`];
  return Object.entries(value).flatMap(([key, child]) => unencryptedPayloads(child, `${at}.${key}`));
}
