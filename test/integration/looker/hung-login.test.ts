import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/eventually';
import { emulatorCredentials, startTestStack, type TestStack } from '../../helpers/test-stack';

/** As many integrations as the stack's pool has connections: the old store pinned one per login. */
const integrationCount = 10;

/**
 * Finding 14.2: a tenant's Looker that never answers POST /login must not take the database pool
 * with it. Ten integrations start a login each and the emulator parks every one of them; while they
 * hang, the health probe and an authenticated read still get a connection and answer.
 */
describe('a hung Looker /login and the database pool', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('ten integrations whose /login hangs leave /readyz and GET /v1/integrations answering', async () => {
    const ids: string[] = [];
    for (let index = 0; index < integrationCount; index++) {
      const created = await stack.http<{ id: string }>('POST', '/v1/integrations', {
        name: `Hanging login ${index}`,
        apiEndpoint: stack.emulator.url,
        ...emulatorCredentials,
      });
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    stack.emulator.control.resetCounters();
    const hang = stack.emulator.control.addFault({ type: 'hang', match: { path: '/login' } });

    // Each Look list needs a token: each integration starts one login, which the emulator parks.
    const lookLists = ids.map((id) => stack.http('GET', `/v1/integrations/${id}/looks`));
    let lookListsAnswered = 0;
    for (const lookList of lookLists) void lookList.then(() => lookListsAnswered++);
    await eventually(() => Promise.resolve(stack.emulator.control.counters().requests['POST /login'] === integrationCount ? true : undefined));

    // Every login is still parked (the fault is in place), yet the API gets connections: both
    // answer before any Look list does (with the old store they waited for the logins to time out).
    const health = await stack.http<{ postgres: string }>('GET', '/readyz');
    expect(health.status).toBe(200);
    expect(health.body.postgres).toBe('up');
    const list = await stack.http<{ data: { id: string }[] }>('GET', '/v1/integrations?limit=100');
    expect(list.status).toBe(200);
    expect(list.body.data.map((row) => row.id)).toEqual(expect.arrayContaining(ids));
    expect(lookListsAnswered).toBe(0);
    expect(stack.emulator.control.counters().logins).toBe(0);

    stack.emulator.control.removeFault(hang.id);
    const answers = await Promise.all(lookLists);
    expect(answers.map((answer) => answer.status)).toEqual(ids.map(() => 200));
    expect(stack.emulator.control.counters().logins).toBe(integrationCount);
  });
});
