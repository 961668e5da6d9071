import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { integrations, lookerTokens } from '../../../src/db/schema';
import { freePort } from '../../../src/local/free-port';
import { clientSecretAad } from '../../../src/looker/client-factory';
import { eventually } from '../../helpers/eventually';
import {
  createIntegration,
  createMetric,
  emulatorCredentials,
  snapshotDatabase,
  startApiTestStack,
  wrongSecret,
  type ApiTestStack,
  waitUntilSettled,
  type Integration,
  type MetricDetail,
  type Page,
  type Problem,
} from './api-stack';

interface CredentialCheck {
  ok: boolean;
  outcome: string;
  message: string;
  field: string | null;
  apiEndpoint: string | null;
  note: string | null;
  user: { displayName: string | null } | null;
}

describe('integrations', () => {
  let api: ApiTestStack;

  beforeAll(async () => {
    api = await startApiTestStack();
  });
  afterAll(async () => {
    await api?.stop();
  });

  describe('testing credentials before saving', () => {
    const cases: { name: string; input: () => Record<string, string>; outcome: string; field: string | null; message: RegExp }[] = [
      {
        name: 'working credentials and the bare host: connected as the Looker user, /api/4.0 added and said so',
        input: () => ({ apiEndpoint: api.stack.emulator.url, ...emulatorCredentials }),
        outcome: 'connected',
        field: null,
        message: /^Connected as Demo Analyst \(Looker [\d.]+\)\. Using http:\/\/127\.0\.0\.1:\d+\/api\/4\.0: the Looker API 4\.0 address/,
      },
      {
        name: 'rejected client id and secret',
        input: () => ({ apiEndpoint: api.stack.emulator.apiUrl, clientId: emulatorCredentials.clientId, clientSecret: wrongSecret }),
        outcome: 'credentials_rejected',
        field: 'clientSecret',
        message: /Looker rejected the client ID and client secret/,
      },
      {
        name: 'an endpoint with another API version: explained, not guessed',
        input: () => ({ apiEndpoint: `${api.stack.emulator.url}/api/3.1`, ...emulatorCredentials }),
        outcome: 'invalid_endpoint',
        field: 'apiEndpoint',
        message: /Looker API 3\.1, which Looker removed.*Use \/api\/4\.0 instead/,
      },
      {
        name: 'a host that does not answer',
        input: () => ({ apiEndpoint: api.strangers.closedPortUrl, ...emulatorCredentials }),
        outcome: 'unreachable',
        field: 'apiEndpoint',
        message: /No server answered at http:\/\/127\.0\.0\.1:\d+\/api\/4\.0: check the host and port/,
      },
      {
        name: 'a web server that is not Looker (HTML pages)',
        input: () => ({ apiEndpoint: api.strangers.htmlUrl, ...emulatorCredentials }),
        outcome: 'not_looker',
        field: 'apiEndpoint',
        message: /does not answer like a Looker API 4\.0: GET \/versions did not return JSON/,
      },
      {
        name: 'a JSON API that is not Looker (404 everywhere)',
        input: () => ({ apiEndpoint: api.strangers.json404Url, ...emulatorCredentials }),
        outcome: 'not_looker',
        field: 'apiEndpoint',
        message: /does not answer like a Looker API 4\.0: GET \/versions answered HTTP 404/,
      },
    ];

    for (const testCase of cases) {
      it(`${testCase.name}`, async () => {
        const result = await api.http<CredentialCheck>('POST', '/v1/integrations/test', testCase.input());
        expect(result.status).toBe(200);
        expect(result.body).toMatchObject({ ok: testCase.outcome === 'connected', outcome: testCase.outcome, field: testCase.field });
        expect(result.body.message).toMatch(testCase.message);
      });
    }

    it('a loopback address nobody allow-listed is refused before connecting, naming the setting that allows it', async () => {
      const result = await api.http<CredentialCheck>('POST', '/v1/integrations/test', { apiEndpoint: `http://127.0.0.1:${await freePort()}`, ...emulatorCredentials });
      expect(result.body).toMatchObject({ ok: false, outcome: 'address_refused', field: 'apiEndpoint' });
      expect(result.body.message).toMatch(/Refused to connect to 127\.0\.0\.1: the host is not allowed.*LOOKER_ALLOWED_HOSTS/);
    });

    it('the full API URL needs no note, and testing saves nothing', async () => {
      const before = await snapshotDatabase(api);
      const result = await api.http<CredentialCheck>('POST', '/v1/integrations/test', { apiEndpoint: api.stack.emulator.apiUrl, ...emulatorCredentials });
      expect(result.body).toMatchObject({ ok: true, outcome: 'connected', apiEndpoint: api.stack.emulator.apiUrl, note: null, user: { displayName: 'Demo Analyst' } });
      expect(await snapshotDatabase(api)).toEqual(before);
    });
  });

  it('tests a saved integration with its stored credentials and records the result as lastCheck', async () => {
    const integration = await createIntegration(api, 'Checked Looker');
    const passed = await api.http<CredentialCheck & { integration: Integration }>('POST', `/v1/integrations/${integration.id}/test`);
    expect(passed.status).toBe(200);
    expect(passed.body).toMatchObject({ ok: true, outcome: 'connected', integration: { lastCheck: { ok: true } } });
    expect(passed.body.message).toMatch(/^Connected as Demo Analyst/);

    // Looker answers a revoked API key the way it answers a wrong one.
    const fault = api.stack.emulator.control.addFault({ type: 'error', status: 404, match: { path: '/login' } });
    try {
      const failed = await api.http<CredentialCheck & { integration: Integration }>('POST', `/v1/integrations/${integration.id}/test`);
      expect(failed.status).toBe(200);
      expect(failed.body).toMatchObject({ ok: false, outcome: 'credentials_rejected', integration: { lastCheck: { ok: false } } });
      const stored = await api.http<Integration>('GET', `/v1/integrations/${integration.id}`);
      expect(stored.body.lastCheck).toMatchObject({ ok: false, message: expect.stringMatching(/rejected the client ID and client secret/) as string });
    } finally {
      api.stack.emulator.control.removeFault(fault.id);
    }
  });

  it('lists integrations a page at a time, in creation order, without repeats', async () => {
    for (const name of ['Paged A', 'Paged B', 'Paged C']) await createIntegration(api, name);
    const seen: Integration[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: Page<Integration> } = await api.http<Page<Integration>>('GET', `/v1/integrations?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(seen.map((integration) => integration.id)).size).toBe(seen.length);
    const names = seen.map((integration) => integration.name);
    expect(names.indexOf('Paged A')).toBeLessThan(names.indexOf('Paged B'));
    expect(names.indexOf('Paged B')).toBeLessThan(names.indexOf('Paged C'));

    const bad = await api.http<Problem>('GET', '/v1/integrations?cursor=not-a-cursor');
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.[0]?.pointer).toBe('/query/cursor');
  });

  it('gets one integration, and 404s for unknown or malformed ids', async () => {
    const integration = await createIntegration(api, 'Fetched Looker');
    const fetched = await api.http<Integration>('GET', `/v1/integrations/${integration.id}`);
    expect(fetched.body).toMatchObject({ id: integration.id, name: 'Fetched Looker', clientId: emulatorCredentials.clientId, hasClientSecret: true });
    for (const id of ['5b3f6f0e-3f43-4f7e-9b0c-0d6f5e0b9a11', 'not-a-uuid']) {
      const missing = await api.http<Problem>('GET', `/v1/integrations/${id}`);
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ code: 'not_found', errors: [{ pointer: '/path/id' }] });
    }
  });

  describe('updating', () => {
    let integration: Integration;
    beforeAll(async () => {
      integration = await createIntegration(api, 'Updated Looker');
    });

    it('renames without calling Looker', async () => {
      const logins = api.stack.emulator.control.counters().logins;
      const renamed = await api.http<Integration>('PATCH', `/v1/integrations/${integration.id}`, { name: 'Renamed Looker' });
      expect(renamed.status).toBe(200);
      expect(renamed.body.name).toBe('Renamed Looker');
      expect(api.stack.emulator.control.counters().logins).toBe(logins);
    });

    it('saves new credentials only after Looker accepted them', async () => {
      const before = await snapshotDatabase(api);
      const refused = await api.http<Problem>('PATCH', `/v1/integrations/${integration.id}`, { clientSecret: wrongSecret });
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ code: 'looker_rejected', errors: [{ pointer: '/body/clientSecret' }] });
      expect(await snapshotDatabase(api)).toEqual(before);

      const accepted = await api.http<Integration>('PATCH', `/v1/integrations/${integration.id}`, {
        apiEndpoint: `${api.stack.emulator.apiUrl}/`,
        clientSecret: emulatorCredentials.clientSecret,
      });
      expect(accepted.status).toBe(200);
      expect(accepted.body.apiEndpoint).toBe(api.stack.emulator.apiUrl);
      expect(Date.parse(accepted.body.lastCheck!.at)).toBeGreaterThan(Date.parse(integration.lastCheck!.at));
    });

    it('retries the metrics that needed attention as soon as working credentials are saved', async () => {
      const revoked = await createIntegration(api, 'Revoked Looker');
      const metric = await createMetric(api, revoked.id);
      await waitUntilSettled(api, metric.id);
      // Looker revokes the key: the stored secret stops working and the shared token is gone.
      const { db } = api.stack.services.database;
      await db
        .update(integrations)
        .set({ clientSecretSealed: api.stack.services.secretBox.encrypt(wrongSecret, clientSecretAad(revoked.id)) })
        .where(eq(integrations.id, revoked.id));
      await db.delete(lookerTokens).where(eq(lookerTokens.integrationId, revoked.id));
      expect((await api.http('POST', `/v1/metrics/${metric.id}/import-now`)).status).toBe(202);
      const broken = await eventually(async () => {
        const detail = await api.http<MetricDetail>('GET', `/v1/metrics/${metric.id}`);
        return detail.body.state === 'needs_attention' ? detail.body : undefined;
      });
      expect(broken.lastError).toMatch(/Looker rejected the client ID and client secret/);

      const fixed = await api.http<Integration>('PATCH', `/v1/integrations/${revoked.id}`, { clientSecret: emulatorCredentials.clientSecret });
      expect(fixed.status).toBe(200);
      // No import time passes: the fix itself brings the metric back.
      const recovered = await eventually(async () => {
        const detail = await api.http<MetricDetail>('GET', `/v1/metrics/${metric.id}`);
        return detail.body.state === 'active' && !detail.body.importing ? detail.body : undefined;
      });
      expect(recovered.lastError).toBeNull();
    });

    it('sets the Looker query cap: 8 by default, chosen on create, changed alone without calling Looker', async () => {
      expect(integration.maxConcurrentQueries).toBe(8);
      const created = await api.http<Integration>('POST', '/v1/integrations', { name: 'Capped Looker', apiEndpoint: api.stack.emulator.url, ...emulatorCredentials, maxConcurrentQueries: 3 });
      expect(created.status).toBe(201);
      expect(created.body.maxConcurrentQueries).toBe(3);
      const logins = api.stack.emulator.control.counters().logins;
      const changed = await api.http<Integration>('PATCH', `/v1/integrations/${created.body.id}`, { maxConcurrentQueries: 12 });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ name: 'Capped Looker', maxConcurrentQueries: 12 });
      expect(api.stack.emulator.control.counters().logins).toBe(logins);
      expect((await api.http<Integration>('GET', `/v1/integrations/${created.body.id}`)).body.maxConcurrentQueries).toBe(12);
    });

    it.each([
      [0, /at least 1/],
      [101, /at most 100.*15 queries per user/],
      [2.5, /whole number/],
      ['8', /whole number/],
      [null, /whole number/],
    ])('refuses the query cap %j, naming the field, and changes nothing', async (value, message) => {
      const before = await snapshotDatabase(api);
      for (const [method, path, body] of [
        ['PATCH', `/v1/integrations/${integration.id}`, { maxConcurrentQueries: value }],
        ['POST', '/v1/integrations', { name: 'Bad cap', apiEndpoint: api.stack.emulator.url, ...emulatorCredentials, maxConcurrentQueries: value }],
      ] as const) {
        const refused = await api.http<Problem>(method, path, body);
        expect(refused.status, `${method} ${JSON.stringify(value)}`).toBe(400);
        expect(refused.body).toMatchObject({ code: 'validation_failed', errors: [{ pointer: '/body/maxConcurrentQueries' }] });
        expect(refused.body.errors?.[0]?.message).toMatch(message);
      }
      expect(await snapshotDatabase(api)).toEqual(before);
    });

    it('never sends the stored secret to a new endpoint: a new apiEndpoint needs the secret too', async () => {
      const before = await snapshotDatabase(api);
      const requests = api.strangers.requests();
      const refused = await api.http<Problem>('PATCH', `/v1/integrations/${integration.id}`, { apiEndpoint: api.strangers.htmlUrl });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ code: 'validation_failed', errors: [{ pointer: '/body/clientSecret' }] });
      expect(refused.body.detail).toMatch(/required when apiEndpoint changes/);
      expect(api.strangers.requests()).toBe(requests);
      expect(await snapshotDatabase(api)).toEqual(before);
    });
  });

  it('refuses to delete an integration that metrics use, naming them, and deletes it once they are gone', async () => {
    const integration = await createIntegration(api, 'Busy Looker');
    const revenue = await createMetric(api, integration.id, { name: 'Revenue per day' });
    const orders = await createMetric(api, integration.id, { name: 'Orders per week', lookId: '2', dateField: 'orders.created_week', valueField: 'orders.count' });

    const before = await snapshotDatabase(api);
    const refused = await api.http<Problem>('DELETE', `/v1/integrations/${integration.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('conflict');
    expect(refused.body.detail).toContain(`"Orders per week" (${orders.id})`);
    expect(refused.body.detail).toContain(`"Revenue per day" (${revenue.id})`);
    expect(refused.body.errors?.map((error) => error.message)).toEqual([
      `used by metric "Orders per week" (${orders.id})`,
      `used by metric "Revenue per day" (${revenue.id})`,
    ]);
    expect((await snapshotDatabase(api)).integrations).toEqual(before.integrations);

    for (const metric of [revenue, orders]) expect((await api.http('DELETE', `/v1/metrics/${metric.id}`)).status).toBe(204);
    const deleted = await api.http('DELETE', `/v1/integrations/${integration.id}`);
    expect(deleted.status).toBe(204);
    expect((await api.http('GET', `/v1/integrations/${integration.id}`)).status).toBe(404);
  });
});
