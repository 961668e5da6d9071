import { note } from '../progress';

/** Prints `status()` every `everyMs` while `fn` runs: the progress display of a long measurement. */
export async function withProgress<T>(label: string, status: () => string | Promise<string>, fn: () => Promise<T>, everyMs = 2_000): Promise<T> {
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    try {
      note(`${label}: ${await status()}`);
    } catch {
      // A status read that fails (e.g. during shutdown) is not the measurement's failure.
    }
  };
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  try {
    return await fn();
  } finally {
    stopped = true;
    clearInterval(timer);
  }
}
