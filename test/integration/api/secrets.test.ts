import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrations } from '../../../src/db/schema';
import { clientSecretAad } from '../../../src/looker/client-factory';
import { eventually } from '../../helpers/eventually';
import {
  clientSecrets,
  createMetric,
  emulatorCredentials,
  startApiTestStack,
  waitUntilSettled,
  wrongSecret,
  type ApiTestStack,
  type Integration,
  type MetricDetail,
} from './api-stack';

/**
 * Acceptance 4: after a run through every route that handles a client secret, including its
 * error paths, no client secret is in any response, in the service's logs, in clear in any
 * database column, or in workflow history.
 */
describe('client secrets', () => {
  let api: ApiTestStack;
  const responses: string[] = [];
  const workflowIds: string[] = [];

  const call = async <T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    const result = await api.http<T>(method, path, body, { headers });
    responses.push(`${result.status} ${JSON.stringify([...result.headers])} ${result.text}`);
    return result;
  };

  beforeAll(async () => {
    api = await startApiTestStack();
    const emulator = api.stack.emulator;
    const good = { apiEndpoint: emulator.url, ...emulatorCredentials };
    const wrong = { ...good, clientSecret: wrongSecret };

    await call('POST', '/v1/integrations/test', good);
    await call('POST', '/v1/integrations/test', wrong);
    await call('POST', '/v1/integrations', { name: 'Extra property', ...good, secret: emulatorCredentials.clientSecret });
    await call('POST', '/v1/integrations', `{"name":"Broken","clientSecret":"${emulatorCredentials.clientSecret}",`);
    await call('POST', '/v1/integrations', `clientSecret=${emulatorCredentials.clientSecret}`, { 'content-type': 'text/plain' });
    await call('POST', '/v1/integrations', { name: 'Rejected', ...wrong });
    await call('POST', '/v1/integrations', { name: 'Too long', ...good, clientSecret: `${emulatorCredentials.clientSecret}${'x'.repeat(600)}` });
    const created = await call<Integration>('POST', '/v1/integrations', { name: 'Secret keeper', ...good });
    expect(created.status).toBe(201);
    const id = created.body.id;

    await call('GET', `/v1/integrations/${id}`);
    await call('GET', '/v1/integrations');
    await call('PATCH', `/v1/integrations/${id}`, { clientSecret: wrongSecret });
    await call('PATCH', `/v1/integrations/${id}`, { name: 'Secret keeper (renamed)', clientSecret: emulatorCredentials.clientSecret });
    await call('POST', `/v1/integrations/${id}/test`);
    await call('GET', `/v1/integrations/${id}/looks?search=revenue`);
    await call('GET', `/v1/integrations/${id}/looks/1/fields`);
    await call('POST', `/v1/integrations/${id}/looks/1/preview`, { dateField: 'orders.created_date', valueField: 'orders.total_revenue' });

    const revenue = await createMetric(api, id, { name: 'Revenue' });
    const monthly = await createMetric(api, id, { name: 'Monthly revenue', lookId: '3', dateField: 'orders.created_month', valueField: 'orders.total_revenue' });
    workflowIds.push(revenue.workflowId, monthly.workflowId);
    await waitUntilSettled(api, revenue.id);
    await waitUntilSettled(api, monthly.id);
    // A failing import, so the error paths of the worker log too.
    emulator.control.deleteLook('3');
    await call('POST', `/v1/metrics/${monthly.id}/import-now`);
    await eventually(async () => ((await call<MetricDetail>('GET', `/v1/metrics/${monthly.id}`)).body.state === 'needs_attention' ? true : undefined));
    emulator.control.restoreLook('3');
    await call('GET', `/v1/metrics/${revenue.id}/import-runs`);
    await call('GET', `/v1/metrics/${monthly.id}/import-runs`);
    await call('GET', `/v1/metrics/${revenue.id}/datapoints?format=csv`);
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('is in no API response', () => {
    expect(responses.length).toBeGreaterThan(20);
    for (const secret of clientSecrets) expect(responses.filter((response) => response.includes(secret))).toEqual([]);
  });

  it('is in no log line, although requests and failures were logged', () => {
    const logs = api.logs();
    expect(logs).toContain('"msg":"request"');
    expect(logs).toContain('"msg":"activity failed"');
    for (const secret of clientSecrets) expect(logs.includes(secret), secret).toBe(false);
  });

  it('is stored only encrypted: no text or JSON column holds it in clear', async () => {
    const { db } = api.stack.services.database;
    const columns = await db.execute<{ table_name: string; column_name: string }>(
      sql`select table_name, column_name from information_schema.columns
          where table_schema = 'public' and data_type in ('text', 'character varying', 'json', 'jsonb')`,
    );
    expect(columns.length).toBeGreaterThan(10);
    for (const { table_name: table, column_name: column } of columns) {
      for (const secret of clientSecrets) {
        const [found] = await db.execute<{ n: number }>(
          sql`select count(*)::int as n from ${sql.identifier(table)} where position(${secret} in ${sql.identifier(column)}::text) > 0`,
        );
        expect(found!.n, `${table}.${column}`).toBe(0);
      }
    }
    const [stored] = await db.select().from(integrations).where(eq(integrations.name, 'Secret keeper (renamed)'));
    expect(stored!.clientSecretSealed).toMatch(/^v1:test:/);
    expect(api.stack.services.secretBox.decrypt(stored!.clientSecretSealed, clientSecretAad(stored!.id))).toBe(emulatorCredentials.clientSecret);
  });

  it('is in no workflow history', async () => {
    for (const workflowId of workflowIds) {
      const history = JSON.stringify(await api.stack.client.workflow.getHandle(workflowId).fetchHistory());
      expect(history.length).toBeGreaterThan(1000);
      for (const secret of clientSecrets) expect(history.includes(secret), workflowId).toBe(false);
    }
  });
});
