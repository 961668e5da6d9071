import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { ImportStateKey, MetricIdKey } from '../../src/shared/search-attributes';
import { eventually } from '../helpers/eventually';
import { devServerNow, importTimeAhead } from '../helpers/test-clock';
import { startTestStack, emulatorCredentials, type TestStack } from '../helpers/test-stack';

interface Integration { id: string; apiEndpoint: string; hasClientSecret: boolean }
interface Metric { id: string; workflowId: string; state: string }
interface DatapointPage { data: { date: string; value: string }[]; nextCursor: string | null }

/**
 * The whole pipeline through the public API: REST → Temporal workflow → activities → Looker
 * emulator → Postgres → REST read, on the real servers the global setup started.
 */
describe('walking skeleton', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('imports a Look’s whole history and exposes it through the API, with the workflow findable by MetricId', async () => {
    const integration = await stack.http<Integration>('POST', '/v1/integrations', {
      name: 'Emulated Looker',
      apiEndpoint: stack.emulator.url,
      ...emulatorCredentials,
    });
    expect(integration.status).toBe(201);
    expect(integration.body.apiEndpoint).toBe(stack.emulator.apiUrl);
    expect(integration.text).not.toContain(emulatorCredentials.clientSecret);

    const looks = await stack.http<{ data: { id: string; title: string }[] }>('GET', `/v1/integrations/${integration.body.id}/looks?search=revenue`);
    expect(looks.status).toBe(200);
    const look = looks.body.data.find((candidate) => candidate.id === '1');
    expect(look?.title).toMatch(/revenue/i);

    const created = await stack.http<Metric>('POST', '/v1/metrics', {
      name: 'Daily revenue',
      integrationId: integration.body.id,
      lookId: '1',
      dateField: 'orders.created_date',
      valueField: 'orders.total_revenue',
      // Twelve hours ahead: no scheduled import joins the backfill while the test reads.
      importTime: importTimeAhead(devServerNow(), 'Europe/Berlin'),
      timeZone: 'Europe/Berlin',
    });
    expect(created.status).toBe(202);
    expect(created.headers.get('location')).toBe(`/v1/metrics/${created.body.id}`);
    const metricId = created.body.id;

    // What the Look holds, read straight from the emulator: the import must hold exactly this.
    const expected = (await (
      await fetch(`${stack.emulator.apiUrl}/looks/1/run/json?limit=-1`, { headers: { authorization: `Bearer ${await emulatorToken(stack)}` } })
    ).json()) as Record<string, unknown>[];
    expect(expected.length).toBeGreaterThan(300);

    const all = await eventually(async () => {
      const page = await stack.http<DatapointPage>('GET', `/v1/metrics/${metricId}/datapoints?limit=10000`);
      return page.body.data.length === expected.length ? page.body.data : undefined;
    });
    const byDate = new Map(expected.map((row) => [String(row['orders.created_date']), Number(row['orders.total_revenue'])]));
    for (const point of all) expect(Number(point.value)).toBeCloseTo(byDate.get(point.date)!, 6);

    const [stored] = await stack.services.database.db.execute<{ count: number }>(
      sql`select count(*)::int as count from datapoints where metric_id = ${metricId}`,
    );
    expect(stored?.count).toBe(expected.length);

    const workflow = await eventually(async () => {
      for await (const execution of stack.client.workflow.list({ query: `MetricId = '${metricId}'` })) return execution;
      return undefined;
    });
    expect(workflow.workflowId).toBe(created.body.workflowId);
    expect(workflow.status.name).toBe('RUNNING');
    expect(workflow.typedSearchAttributes.get(MetricIdKey)).toBe(metricId);
    const description = await eventually(async () => {
      const described = await stack.client.workflow.getHandle(created.body.workflowId).describe();
      return described.typedSearchAttributes.get(ImportStateKey) === 'active' ? described : undefined;
    });
    // What the Temporal UI lists beside the workflow id, so an operator can tell metrics apart.
    expect(await description.staticSummary()).toBe('Daily revenue · Emulated Looker · Look 1');
    expect(await description.staticDetails()).toContain('**Integration:** Emulated Looker');
  });

  it('is alive on /healthz and ready on /readyz: Postgres and Temporal up, migrations current', async () => {
    const live = await stack.http<{ status: string }>('GET', '/healthz');
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });
    const ready = await stack.http<{ status: string; postgres: string; temporal: string; migrations: string }>('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', postgres: 'up', temporal: 'up', migrations: 'current' });
  });
});

async function emulatorToken(stack: TestStack): Promise<string> {
  const response = await fetch(`${stack.emulator.apiUrl}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: emulatorCredentials.clientId, client_secret: emulatorCredentials.clientSecret }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}
