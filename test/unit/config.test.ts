import { describe, expect, it } from 'vitest';
import { ConfigError, defaultWorkerTuning, loadConfig, workerTuningFrom } from '../../src/config/env';

describe('configuration', () => {
  it('runs on embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, HOST: '127.0.0.1', TEMPORAL_NAMESPACE: 'default', LOOKER_ALLOWED_HOSTS: [] });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
    // X-Forwarded-For is not trusted unless proxies are configured; slow clients are cut off.
    expect(config).toMatchObject({ TRUST_PROXY_HOPS: 0, HTTP_HEADERS_TIMEOUT_SECONDS: 10, HTTP_REQUEST_TIMEOUT_SECONDS: 30, RATE_LIMIT_PER_KEY: 600, ADMIN_RATE_LIMIT: 10 });
    // The API checks metrics against workflows at start-up and every five minutes.
    expect(config).toMatchObject({ WORKFLOW_RECONCILE_INTERVAL_SECONDS: 300, WORKFLOW_RECONCILE_GRACE_SECONDS: 60 });
  });

  it("treats an empty variable as unset, as compose's ${ADMIN_TOKEN:-} passes one", () => {
    const config = loadConfig({ ADMIN_TOKEN: '', CODEC_TOKEN: '', METRICS_TOKEN: '', PORT: '' });
    expect(config.ADMIN_TOKEN).toBeUndefined();
    expect(config.CODEC_TOKEN).toBeUndefined();
    expect(config.METRICS_TOKEN).toBeUndefined();
    expect(config.PORT).toBe(3000);
    // A short token is still refused, not silently dropped.
    expect(() => loadConfig({ ADMIN_TOKEN: 'short' })).toThrow(/ADMIN_TOKEN: must be at least 24 characters/);
  });

  it('parses lists and numbers', () => {
    const config = loadConfig({ PORT: '8080', LOOKER_ALLOWED_HOSTS: 'Looker.Internal:19999, 10.0.0.5 ,', LOOKER_MAX_ROWS: '5000' });
    expect(config.PORT).toBe(8080);
    expect(config.LOOKER_ALLOWED_HOSTS).toEqual(['looker.internal:19999', '10.0.0.5']);
    expect(config.LOOKER_MAX_ROWS).toBe(5000);
  });

  it('gives the worker its concurrency settings, defaults when unset', () => {
    expect(workerTuningFrom(loadConfig({}))).toEqual(defaultWorkerTuning);
    expect(
      workerTuningFrom(loadConfig({ WORKER_MAX_CONCURRENT_ACTIVITIES: '8', WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '4', WORKER_MAX_CACHED_WORKFLOWS: '0' })),
    ).toEqual({ maxConcurrentActivityTaskExecutions: 8, maxConcurrentWorkflowTaskExecutions: 4, maxCachedWorkflows: 0 });
  });

  it.each([
    ['DATABASE_URL', 'garbage', /DATABASE_URL: must be a URL like postgres:\/\//],
    ['DATABASE_URL', 'mysql://u:p@h/db', /DATABASE_URL: must be a URL like postgres:\/\//],
    ['TEMPORAL_ADDRESS', 'http://localhost:7233', /TEMPORAL_ADDRESS: must be host:port/],
    ['PORT', '70000', /PORT: /],
    ['PORT', 'abc', /PORT: /],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL: /],
    ['ADMIN_TOKEN', 'short', /ADMIN_TOKEN: must be at least 24 characters/],
    ['LOCAL_API_KEY', 'my-own-demo-key-1234', /LOCAL_API_KEY: must be a key in the generated format, mi_live_ and 43 base64url characters/],
    ['LOOKER_CHECKS_PER_MINUTE', '0', /LOOKER_CHECKS_PER_MINUTE: /],
    ['RATE_LIMIT_PER_KEY', '0', /RATE_LIMIT_PER_KEY: /],
    ['RATE_LIMIT_PER_ADDRESS', 'lots', /RATE_LIMIT_PER_ADDRESS: /],
    ['ADMIN_RATE_LIMIT', '-1', /ADMIN_RATE_LIMIT: /],
    ['TRUST_PROXY_HOPS', 'yes', /TRUST_PROXY_HOPS: /],
    ['HTTP_HEADERS_TIMEOUT_SECONDS', '60', /HTTP_HEADERS_TIMEOUT_SECONDS: must not exceed HTTP_REQUEST_TIMEOUT_SECONDS/],
    ['WORKER_MAX_CONCURRENT_ACTIVITIES', '0', /WORKER_MAX_CONCURRENT_ACTIVITIES: /],
    ['WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', '1', /WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: /],
    ['WORKER_MAX_CACHED_WORKFLOWS', 'many', /WORKER_MAX_CACHED_WORKFLOWS: /],
    ['WORKFLOW_RECONCILE_INTERVAL_SECONDS', '-5', /WORKFLOW_RECONCILE_INTERVAL_SECONDS: /],
    ['WORKFLOW_RECONCILE_GRACE_SECONDS', 'soon', /WORKFLOW_RECONCILE_GRACE_SECONDS: /],
    ['LOOKER_ALLOWED_HOSTS', 'looker.internal,https://10.0.0.5/api', /LOOKER_ALLOWED_HOSTS: Invalid host entry "https:\/\/10\.0\.0\.5\/api": use "host" or "host:port"/],
  ])('rejects %s=%s with one line naming the variable', (name, value, message) => {
    const error = (() => {
      try {
        loadConfig({ [name]: value });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('never echoes secrets or database passwords in the error', () => {
    expect(() => loadConfig({ ADMIN_TOKEN: 'tiny-secret' })).toThrow(/\[redacted\]/);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://user:hunter2@/db', ADMIN_TOKEN: 'tiny-secret' })).not.toThrow(/hunter2|tiny-secret/);
  });
});
