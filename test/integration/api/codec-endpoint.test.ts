import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { codecSessionCookie } from '../../../src/api/codec-routes';
import { createEncryptionCodec, encryptedEncoding, parsePayloadKeys } from '../../../src/temporal/payload-codec';
import { startTestStack, testTemporalUiUrl, type TestStack } from '../../helpers/test-stack';
import { createIntegration, createMetric, eventuallyStatus, temporalCli } from '../workflow/workflow-helpers';

const codecToken = 'codec-endpoint-token-3f9a1c7e5b2d8046';
const uiOrigin = new URL(testTemporalUiUrl).origin;

/**
 * Issue 11, acceptance 2: the API's codec endpoint for the Temporal UI and `temporal --codec-endpoint`
 * (Temporal's remote codec protocol). It decodes only for the operator (CODEC_TOKEN as a Bearer
 * header, or the cookie of its sign-in form), and browsers may call it from the UI's origin only.
 */
describe('codec endpoint (/codec/decode)', () => {
  let stack: TestStack;
  const base64 = (text: string) => Buffer.from(text).toString('base64');

  beforeAll(async () => {
    stack = await startTestStack({ seed: 'test', codecToken });
  });
  afterAll(() => stack?.stop());

  async function encryptedBody(value: unknown) {
    const [payload] = await createEncryptionCodec(parsePayloadKeys(stack.payloadKeys)).encode([defaultPayloadConverter.toPayload(value)]);
    const metadata = Object.fromEntries(Object.entries(payload!.metadata!).map(([key, bytes]) => [key, Buffer.from(bytes).toString('base64')]));
    return JSON.stringify({ payloads: [{ metadata, data: Buffer.from(payload!.data!).toString('base64') }] });
  }
  const decode = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${stack.apiUrl}/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers }, body });
  const decodedValue = async (response: Response) => {
    const { payloads } = (await response.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    const [payload] = payloads;
    const metadata = Object.fromEntries(Object.entries(payload!.metadata).map(([key, value]) => [key, Buffer.from(value, 'base64')]));
    return defaultPayloadConverter.fromPayload({ metadata, data: Buffer.from(payload!.data, 'base64') });
  };

  it('refuses without the operator token (401), and decodes with it', async () => {
    const body = await encryptedBody({ valueField: 'orders.total_revenue' });
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer not-the-codec-token-at-all' }, { authorization: `Bearer ${stack.apiKey}` }, { cookie: `${codecSessionCookie}=9999999999.forged` }];
    for (const headers of attempts) {
      const refused = await decode(body, headers);
      expect(refused.status).toBe(401);
      expect(await refused.text()).not.toContain('orders.total_revenue');
    }
    const decoded = await decode(body, { authorization: `Bearer ${codecToken}` });
    expect(decoded.status).toBe(200);
    expect(await decodedValue(decoded)).toEqual({ valueField: 'orders.total_revenue' });
  });

  it('decodes for a browser signed in on its form, sending the cookie from the UI origin', async () => {
    const wrong = await fetch(`${stack.apiUrl}/codec/sign-in`, { method: 'POST', body: new URLSearchParams({ token: 'guess-guess-guess-guess-guess' }), redirect: 'manual' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.getSetCookie()).toEqual([]);
    const signedIn = await fetch(`${stack.apiUrl}/codec/sign-in`, { method: 'POST', body: new URLSearchParams({ token: codecToken }), redirect: 'manual' });
    expect(signedIn.status).toBe(200);
    const cookie = signedIn.headers.getSetCookie().find((line) => line.startsWith(`${codecSessionCookie}=`));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const session = cookie!.split(';')[0]!;

    const body = await encryptedBody({ lookId: '42' });
    const decoded = await decode(body, { cookie: session, origin: uiOrigin });
    expect(decoded.status).toBe(200);
    expect(decoded.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(decoded.headers.get('access-control-allow-credentials')).toBe('true');
    expect(await decodedValue(decoded)).toEqual({ lookId: '42' });
    // Another origin's page cannot use the operator's cookie.
    const elsewhere = await decode(body, { cookie: session, origin: 'http://127.0.0.1:9' });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("answers CORS preflights for the Temporal UI's origin only", async () => {
    const preflight = (origin: string) =>
      fetch(`${stack.apiUrl}/codec/decode`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
      });
    const allowed = await preflight(uiOrigin);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/i);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    for (const origin of ['http://localhost:8233', 'http://127.0.0.1:8234', 'https://evil.invalid', 'null']) {
      const refused = await preflight(origin);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('names the field of a malformed body', async () => {
    const auth = { authorization: `Bearer ${codecToken}` };
    const cases: [string, string][] = [
      ['{"nope": 1}', '/body/payloads'],
      ['not json', '/body/payloads'],
      ['{"payloads": [{"metadata": {"encoding": "%%%"}, "data": ""}]}', '/body/payloads/0/metadata'],
      ['{"payloads": [{"metadata": {}, "data": 7}]}', '/body/payloads/0/data'],
    ];
    for (const [body, pointer] of cases) {
      const response = await decode(body, auth);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { errors: { pointer: string }[] }).errors[0]?.pointer).toBe(pointer);
    }
    const unknownKey = JSON.stringify({
      payloads: [{ metadata: { encoding: base64(encryptedEncoding), 'encryption-key-id': base64('gone') }, data: base64('x'.repeat(40)) }],
    });
    const refused = await decode(unknownKey, auth);
    expect(refused.status).toBe(422);
  });

  it('lets `temporal workflow show` decode a metric workflow only with the token', async () => {
    const metric = await createMetric(stack, await createIntegration(stack));
    await eventuallyStatus(stack, metric.id, (s) => s.state === 'active');
    const show = ['workflow', 'show', '--address', inject('temporalAddress'), '--namespace', 'default', '--workflow-id', metric.workflowId, '--output', 'json'];
    const raw = await temporalCli(show);
    const decoded = await temporalCli([...show, '--codec-endpoint', `${stack.apiUrl}/codec`, '--codec-auth', `Bearer ${codecToken}`]);
    // The JSON output keeps payload bytes base64-encoded; decode them to search for readable text.
    const readable = (output: string) => output.replace(/"data":\s*"([A-Za-z0-9+/=]+)"/g, (_, data: string) => Buffer.from(data, 'base64').toString('utf8'));
    for (const text of ['"lookId"', 'rowsRead', 'importRunId']) expect(readable(raw)).not.toContain(text);
    expect(readable(decoded)).toContain('"lookId":"1"');
    expect(readable(decoded)).toContain('"rowsRead":');
    const refused = await temporalCli([...show, '--codec-endpoint', `${stack.apiUrl}/codec`, '--codec-auth', 'Bearer wrong-token-wrong-token']).catch((error: Error) => error.message);
    expect(readable(refused)).not.toContain('"lookId"');
    await stack.gateway.terminate(metric.id, 'test done');
  });
});
