import { Context } from '@temporalio/activity';

/**
 * Heartbeats while a long call is in flight (a Look run can wait minutes on the warehouse, a merge
 * of a large Look takes a while), so a dead worker is noticed within the heartbeat timeout and the
 * work moves to another worker.
 *
 * The first beat comes only after `everyMs`, not at the start: each heartbeat the server receives
 * is a billable Temporal action, and most calls end well before then (docs/workflow.md, "Billable
 * actions"). The server times the heartbeat timeout from the activity's start until the first beat,
 * so a worker that dies before it is still noticed; `everyMs` must stay well under that timeout.
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
