import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { whileHeartbeating } from '../../src/activities/heartbeat';

/**
 * Each heartbeat the server receives is a billable action: a call that ends quickly sends none, a
 * long one heartbeats regularly so that a dead worker is noticed. Fake timers: no wall clock.
 */
describe('whileHeartbeating', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function inActivity(fn: () => Promise<string>) {
    const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') });
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    return { beats, result: env.run(() => whileHeartbeating(fn, 1_000)) };
  }

  it('sends no heartbeat for a call that ends before the first interval', async () => {
    const { beats, result } = inActivity(async () => {
      await new Promise((resolve) => setTimeout(resolve, 999));
      return 'rows';
    });
    await vi.advanceTimersByTimeAsync(999);
    await expect(result).resolves.toBe('rows');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(beats).toHaveLength(0);
  });

  it('heartbeats once per interval while a long call runs, and stops when it ends', async () => {
    let finish!: (value: string) => void;
    const { beats, result } = inActivity(() => new Promise<string>((resolve) => (finish = resolve)));
    await vi.advanceTimersByTimeAsync(3_500);
    expect(beats).toHaveLength(3);
    finish('rows');
    await expect(result).resolves.toBe('rows');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(beats).toHaveLength(3);
  });

  it('stops heartbeating when the call fails', async () => {
    const { beats, result } = inActivity(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      throw new Error('Looker is down');
    });
    const settled = expect(result).rejects.toThrow('Looker is down');
    await vi.advanceTimersByTimeAsync(1_500);
    await settled;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(beats).toHaveLength(1);
  });
});
