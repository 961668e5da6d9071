import { Context } from '@temporalio/activity';

/**
 * Heartbeats while a long call is in flight (a Look run can wait minutes on the warehouse, a merge
 * of a large Look takes a while), so a dead worker is noticed within the heartbeat timeout and the
 * work moves to another worker. The first beat comes after `everyMs`, not at once: a call shorter
 * than that sends none, and each heartbeat the server records is a billable Temporal action.
 * `everyMs` must stay well under the activity's heartbeat timeout.
 */
export async function whileHeartbeating<T>(fn: () => Promise<T>, everyMs = 10_000): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(), everyMs);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
