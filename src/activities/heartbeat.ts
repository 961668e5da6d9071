import { Context } from '@temporalio/activity';

/**
 * Heartbeats while a long call is in flight (a Look run can wait minutes on the warehouse), so a
 * dead worker is noticed within the heartbeat timeout and the run moves to another worker.
 */
export async function whileHeartbeating<T>(fn: () => Promise<T>, everyMs = 10_000): Promise<T> {
  const context = Context.current();
  context.heartbeat();
  const timer = setInterval(() => context.heartbeat(), everyMs);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
