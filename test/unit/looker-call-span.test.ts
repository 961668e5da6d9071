import { describe, expect, it } from 'vitest';
import { lookerPathTemplate } from '../../src/looker/call-span';

describe('Looker span names', () => {
  it.each([
    ['/looks/42/run/json', '/looks/{look_id}/run/json'],
    ['/looks/my%2Flook/run/json_detail', '/looks/{look_id}/run/json_detail'],
    ['/looks/7', '/looks/{look_id}'],
    ['/looks/search', '/looks/search'],
    ['/login', '/login'],
    ['/user', '/user'],
  ])('name %s by its template %s, never by the Look id', (path, template) => {
    expect(lookerPathTemplate(path)).toBe(template);
  });
});
