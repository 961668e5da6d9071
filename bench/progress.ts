/**
 * Progress on stderr, so stdout carries only the results table. Every line is stamped with the
 * time since the run started; `step` keeps ticking while a long operation runs.
 */
const startedAt = performance.now();

function stamp(): string {
  const seconds = Math.floor((performance.now() - startedAt) / 1000);
  return `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
}

export function note(message: string): void {
  process.stderr.write(`[bench ${stamp()}] ${message}\n`);
}

/** Runs `fn`, saying when it starts, that it is still running every `tickMs`, and when it ends. */
export async function step<T>(label: string, fn: () => Promise<T>, tickMs = 5_000): Promise<T> {
  const began = performance.now();
  note(`${label}…`);
  const ticker = setInterval(() => note(`${label}: still running (${formatSeconds(performance.now() - began)})`), tickMs);
  ticker.unref();
  try {
    const result = await fn();
    note(`${label}: done in ${formatSeconds(performance.now() - began)}`);
    return result;
  } finally {
    clearInterval(ticker);
  }
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function elapsedSinceStart(): number {
  return performance.now() - startedAt;
}
