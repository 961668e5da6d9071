/**
 * Runs an entry point; a start-up failure prints one clear line (the variable and the problem)
 * instead of a stack trace. LOG_LEVEL=debug adds the stack for people who want it.
 */
export function runMain(main: () => Promise<void>): void {
  main().then(
    // Everything is closed by now; native handles (the Temporal runtime) must not keep the process alive.
    () => process.exit(0),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`metric-importer: ${message.split('\n')[0]}\n`);
      if (process.env.LOG_LEVEL === 'debug' && error instanceof Error) process.stderr.write(`${error.stack}\n`);
      process.exit(1);
    },
  );
}

/**
 * Resolves on the first SIGINT or SIGTERM, so entry points can shut down in order. Later signals
 * are absorbed: a terminal's Ctrl-C reaches this process both directly and relayed by npm/tsx, and
 * the default action would kill it mid-shutdown. `graceMs` bounds the shutdown instead.
 */
export function shutdownSignal(graceMs = 9000): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) return;
      received = true;
      setTimeout(() => process.exit(1), graceMs).unref();
      resolve(signal);
    };
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, onSignal);
  });
}
