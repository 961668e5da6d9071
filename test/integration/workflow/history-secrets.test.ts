import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrations, lookerTokens } from '../../../src/db/schema';
import { clientSecretAad } from '../../../src/looker/client-factory';
import { tokenAad } from '../../../src/looker/postgres-token-store';
import { metricWorkflowId } from '../../../src/shared/ids';
import { importNow } from '../../../src/shared/messages';
import { eventually } from '../../helpers/eventually';
import { emulatorCredentials, type TestStack } from '../../helpers/test-stack';
import { importTimeAhead } from '../../helpers/test-clock';
import { createIntegration, createMetric, startTimeSkippingStack, stopTimeSkippingStack, datapoints, eventuallyStatus, maybeRecordHistory, skipTo } from './workflow-helpers';

/**
 * Acceptance 7: the whole workflow history — every event, every payload decoded, every failure
 * message and stack trace — holds no access token, no client secret and no datapoint value, after
 * a life that exercises every path that could leak one: backfill, config change, schedule change,
 * pause and resume, import now, a 429, revoked credentials (a failing login) and the fix.
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

    const history = historyText(await handle.fetchHistory());
    // The scan reads the real thing: ids, field names, failure types and messages are all there.
    const expectedInHistory = [metric.id, 'orders.count', 'LookerCredentialsRejected', 'Looker rejected the client ID', '"rowsRead":40'];
    expect(expectedInHistory.filter((text) => !history.includes(text))).toEqual([]);

    expect(tokens.size).toBeGreaterThanOrEqual(2);
    expect(values.size).toBe(rows.length * 2);
    const secrets = [...tokens, emulatorCredentials.clientSecret, revokedSecret];
    expect(secrets.filter((secret) => history.includes(secret))).toEqual([]);
    expect([...values].filter((value) => new RegExp(`(?<![0-9.])${value.replace('.', '\\.')}(?![0-9])`).test(history))).toEqual([]);

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
