import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devServerNow, importTimeAhead } from '../../helpers/test-clock';
import {
  createIntegration,
  createMetric,
  dailyRevenue,
  emulatorCredentials,
  snapshotDatabase,
  startApiTestStack,
  waitUntilSettled,
  wrongSecret,
  type ApiTestStack,
  type Integration,
  type Metric,
  type Problem,
} from './api-stack';

interface BadInput {
  name: string;
  method: string;
  path: () => string;
  body?: () => unknown;
  headers?: Record<string, string>;
  status: number;
  code: string;
  pointer: string;
  /** Words the detail must contain so a person knows what to fix. */
  detail: RegExp;
}

/**
 * Acceptance 6: every kind of bad input gets a 4xx problem naming the field, and nothing stored
 * changes — neither a database row nor the workflow's schedule or state.
 */
describe('bad input', () => {
  let api: ApiTestStack;
  let integration: Integration;
  let metric: Metric;

  beforeAll(async () => {
    api = await startApiTestStack();
    integration = await createIntegration(api);
    // An import time twelve hours away, so no scheduled import runs during the test.
    metric = await createMetric(api, integration.id, { importTime: importTimeAhead(devServerNow(), 'UTC'), timeZone: 'UTC' });
    await waitUntilSettled(api, metric.id);
  });
  afterAll(async () => {
    await api?.stop();
  });

  const newMetric = (overrides: Record<string, unknown>) => () => ({ name: 'Bad metric', integrationId: integration.id, ...dailyRevenue, ...overrides });
  const integrationInput = (overrides: Record<string, unknown>) => () => ({ name: 'Bad integration', apiEndpoint: api.stack.emulator.url, ...emulatorCredentials, ...overrides });

  const cases: BadInput[] = [
    { name: 'import time 25:00 on create', method: 'POST', path: () => '/v1/metrics', body: newMetric({ importTime: '25:00' }), status: 400, code: 'validation_failed', pointer: '/body/importTime', detail: /importTime: must be HH:MM/ },
    { name: 'import time 25:00 on a schedule change', method: 'PATCH', path: () => `/v1/metrics/${metric.id}/schedule`, body: () => ({ importTime: '25:00' }), status: 400, code: 'validation_failed', pointer: '/body/importTime', detail: /importTime: must be HH:MM/ },
    { name: 'an unknown time zone on create', method: 'POST', path: () => '/v1/metrics', body: newMetric({ timeZone: 'Mars/Olympus' }), status: 400, code: 'validation_failed', pointer: '/body/timeZone', detail: /"Mars\/Olympus" is not an IANA time zone/ },
    { name: 'an unknown time zone on a schedule change', method: 'PATCH', path: () => `/v1/metrics/${metric.id}/schedule`, body: () => ({ timeZone: 'Mars/Olympus' }), status: 400, code: 'validation_failed', pointer: '/body/timeZone', detail: /not an IANA time zone/ },
    { name: 'a Look that does not exist on create', method: 'POST', path: () => '/v1/metrics', body: newMetric({ lookId: '999' }), status: 422, code: 'looker_rejected', pointer: '/body/lookId', detail: /Look 999 was not found/ },
    { name: 'a Look that does not exist on a source change (checked by the workflow)', method: 'PATCH', path: () => `/v1/metrics/${metric.id}`, body: () => ({ lookId: '999' }), status: 422, code: 'looker_rejected', pointer: '/body/lookId', detail: /Look 999 was not found/ },
    { name: 'a Look that does not exist, for its fields', method: 'GET', path: () => `/v1/integrations/${integration.id}/looks/999/fields`, status: 404, code: 'not_found', pointer: '/path/lookId', detail: /Look 999 was not found/ },
    { name: 'a field the Look lacks on create', method: 'POST', path: () => '/v1/metrics', body: newMetric({ dateField: 'orders.shipped_date' }), status: 422, code: 'looker_rejected', pointer: '/body/dateField', detail: /has no field "orders\.shipped_date"/ },
    { name: 'a field the Look lacks on a source change (checked by the workflow)', method: 'PATCH', path: () => `/v1/metrics/${metric.id}`, body: () => ({ valueField: 'orders.margin' }), status: 422, code: 'looker_rejected', pointer: '/body/valueField', detail: /has no field "orders\.margin"/ },
    { name: 'a field the Look lacks in a preview', method: 'POST', path: () => `/v1/integrations/${integration.id}/looks/1/preview`, body: () => ({ dateField: 'orders.created_date', valueField: 'orders.margin' }), status: 422, code: 'looker_rejected', pointer: '/body/valueField', detail: /has no field "orders\.margin"/ },
    { name: 'malformed JSON', method: 'POST', path: () => '/v1/metrics', body: () => '{"name": "Daily revenue",', status: 400, code: 'validation_failed', pointer: '/body', detail: /not valid JSON/ },
    { name: 'a wrong content type', method: 'POST', path: () => '/v1/integrations', body: () => 'name=Acme', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, code: 'unsupported_media_type', pointer: '/headers/content-type', detail: /Content-Type: application\/json/ },
    // Found by the hostile-input suite: both answered 500.
    { name: 'a NUL byte in a name (Postgres text cannot hold one)', method: 'POST', path: () => '/v1/api-keys', body: () => ({ name: 'ci\u0000key' }), status: 400, code: 'validation_failed', pointer: '/body/name', detail: /NUL characters/ },
    { name: 'a JSON-like content type that is not JSON', method: 'POST', path: () => '/v1/api-keys', body: () => JSON.stringify({ name: 'seq' }), headers: { 'content-type': 'application/json-seq' }, status: 415, code: 'unsupported_media_type', pointer: '/headers/content-type', detail: /Content-Type: application\/json/ },
    { name: 'a 10 MB body', method: 'POST', path: () => '/v1/metrics', body: () => JSON.stringify({ name: 'x'.repeat(10 * 1024 * 1024) }), status: 413, code: 'payload_too_large', pointer: '/body', detail: /limited to 64 KB/ },
    { name: 'an unknown property on create', method: 'POST', path: () => '/v1/integrations', body: integrationInput({ colour: 'blue' }), status: 400, code: 'validation_failed', pointer: '/body/colour', detail: /unknown property colour; remove it/ },
    { name: 'an unknown property on a source change', method: 'PATCH', path: () => `/v1/metrics/${metric.id}`, body: () => ({ name: 'Renamed', look: '2' }), status: 400, code: 'validation_failed', pointer: '/body/look', detail: /unknown property look/ },
    { name: 'an unknown property on a schedule change', method: 'PATCH', path: () => `/v1/metrics/${metric.id}/schedule`, body: () => ({ importTime: '07:00', tz: 'UTC' }), status: 400, code: 'validation_failed', pointer: '/body/tz', detail: /unknown property tz/ },
    { name: 'an empty change', method: 'PATCH', path: () => `/v1/metrics/${metric.id}`, body: () => ({}), status: 400, code: 'validation_failed', pointer: '/body', detail: /give at least one of name, lookId, dateField, valueField/ },
    { name: 'an endpoint in a scheme Looker does not serve', method: 'POST', path: () => '/v1/integrations', body: integrationInput({ apiEndpoint: 'ftp://looker.example.com' }), status: 400, code: 'validation_failed', pointer: '/body/apiEndpoint', detail: /Use https:\/\// },
    { name: 'credentials Looker rejects, on update', method: 'PATCH', path: () => `/v1/integrations/${integration.id}`, body: () => ({ clientSecret: wrongSecret }), status: 422, code: 'looker_rejected', pointer: '/body/clientSecret', detail: /rejected the client ID and client secret/ },
    { name: 'a made-up cursor', method: 'GET', path: () => `/v1/metrics/${metric.id}/import-runs?cursor=eyJ4IjoxfQ`, status: 400, code: 'validation_failed', pointer: '/query/cursor', detail: /not a cursor this API issued/ },
    { name: 'a limit out of range', method: 'GET', path: () => '/v1/metrics?limit=1000', status: 400, code: 'validation_failed', pointer: '/query/limit', detail: /limit:/ },
  ];

  it.each(cases)('$name → $status $code at $pointer, nothing stored changes', async (testCase) => {
    const before = await snapshotDatabase(api);
    const workflowBefore = await api.stack.gateway.status(metric.id);

    const result = await api.http<Problem>(testCase.method, testCase.path(), testCase.body?.(), { headers: testCase.headers });
    expect(result.status).toBe(testCase.status);
    expect(result.headers.get('content-type')).toBe('application/problem+json');
    expect(result.body.code).toBe(testCase.code);
    expect(result.body.requestId).toBe(result.headers.get('x-request-id'));
    expect(result.body.errors?.map((error) => error.pointer)).toContain(testCase.pointer);
    expect(result.body.detail).toMatch(testCase.detail);

    expect(await snapshotDatabase(api)).toEqual(before);
    const workflowAfter = await api.stack.gateway.status(metric.id);
    expect({ schedule: workflowAfter.schedule, state: workflowAfter.state, paused: workflowAfter.paused }).toEqual({
      schedule: workflowBefore.schedule,
      state: workflowBefore.state,
      paused: workflowBefore.paused,
    });
  });
});
