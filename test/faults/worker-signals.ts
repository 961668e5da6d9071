import type { ChildProcess } from 'node:child_process';

/** Ends worker processes (SIGTERM: a graceful shutdown) and waits for them to exit. */
export async function stopWorkers(workers: readonly ChildProcess[]): Promise<void> {
  await Promise.all(workers.map((worker) => stopWorker(worker, 'SIGTERM')));
}

/** Sends `signal` and waits for the process to exit (SIGKILL after 30 s, so nothing is left behind). */
export async function stopWorker(worker: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (worker.exitCode !== null || worker.signalCode !== null) return;
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  worker.kill(signal);
  const timer = setTimeout(() => worker.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}
