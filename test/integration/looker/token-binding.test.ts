import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLookerEmulator, type LookerEmulator } from '../../../src/looker-emulator';
import { eventually } from '../../helpers/eventually';
import { startLookerProxy, type LookerProxy } from '../../helpers/looker-proxy';
import { emulatorCredentials, startTestStack, type TestStack } from '../../helpers/test-stack';

const burstSize = 5;

/**
 * Finding 14.3: an access token Looker A issued must never be sent to another endpoint B, even when
 * the integration's endpoint changes from A to B while a login at A is still running. Two
 * emulators, each behind a recording proxy; the emulator's latency fault holds A's /login open
 * while the endpoint changes to B and a burst of Look lists runs on B (they must not join A's
 * login), then A's login completes and stores its token, then more Look lists run on B (they must
 * not read it). If the PATCH ever outlasted the latency the race would only be narrower, never
 * a false failure.
 */
describe('a Looker token stays with the endpoint that issued it', () => {
  let stack: TestStack;
  let emulatorB: LookerEmulator;
  let proxyA: LookerProxy;
  let proxyB: LookerProxy;

  beforeAll(async () => {
    // Both proxies listen on 127.0.0.1 ports chosen later: allow the loopback host on any port.
    stack = await startTestStack({ lookerAllowedHosts: ['127.0.0.1'] });
    emulatorB = await startLookerEmulator({ ...emulatorCredentials });
    proxyA = await startLookerProxy(stack.emulator.url);
    proxyB = await startLookerProxy(emulatorB.url);
  });
  afterAll(async () => {
    await proxyA?.close();
    await proxyB?.close();
    await emulatorB?.close();
    await stack?.stop();
  });

  const tokensIssuedBy = (proxy: LookerProxy): string[] =>
    proxy.exchanges
      .filter(({ request, response }) => request.path.endsWith('/login') && response.status === 200)
      .map(({ response }) => (JSON.parse(response.body) as { access_token: string }).access_token);
  const bearersSeenBy = (proxy: LookerProxy): string[] =>
    proxy.exchanges.map(({ request }) => request.headers.authorization).filter((header): header is string => header !== undefined);
  const lookLists = (integrationId: string) =>
    Promise.all(Array.from({ length: burstSize }, () => stack.http('GET', `/v1/integrations/${integrationId}/looks`)));

  it("Look lists around PATCH {apiEndpoint: B} never send A's token to B", async () => {
    const created = await stack.http<{ id: string }>('POST', '/v1/integrations', { name: 'Moves to B', apiEndpoint: proxyA.url, ...emulatorCredentials });
    expect(created.status).toBe(201);
    const integrationId = created.body.id;
    const slowLoginAtA = stack.emulator.control.addFault({ type: 'latency', ms: 3000, match: { path: '/login' } });
    const loginsAtA = () => stack.emulator.control.counters().requests['POST /login'] ?? 0;
    const parkedBefore = loginsAtA();

    const onA = lookLists(integrationId);
    await eventually(() => Promise.resolve(loginsAtA() > parkedBefore ? true : undefined));

    const moved = await stack.http('PATCH', `/v1/integrations/${integrationId}`, { apiEndpoint: proxyB.url, clientSecret: emulatorCredentials.clientSecret });
    expect(moved.status).toBe(200);
    const duringLoginAtA = await lookLists(integrationId);
    const answersOnA = await onA;
    stack.emulator.control.removeFault(slowLoginAtA.id);
    const afterLoginAtA = await lookLists(integrationId);

    expect([...duringLoginAtA, ...afterLoginAtA].map((answer) => answer.status)).toEqual(Array.from({ length: 2 * burstSize }, () => 200));
    expect(answersOnA.map((answer) => answer.status)).toEqual(Array.from({ length: burstSize }, () => 200));
    const tokensOfA = tokensIssuedBy(proxyA);
    expect(tokensOfA.length).toBeGreaterThan(0);
    const seenByB = bearersSeenBy(proxyB);
    expect(seenByB.length).toBeGreaterThanOrEqual(2 * burstSize);
    for (const token of tokensOfA) expect(seenByB).not.toContain(`Bearer ${token}`);
    // B never had to reject a token: every call it saw carried one it issued itself.
    expect(proxyB.exchanges.filter(({ response }) => response.status === 401)).toEqual([]);
  });
});
