/**
 * Runs an entry point; a start-up failure prints one clear line (the variable and the problem)
 * instead of a stack trace. LOG_LEVEL=debug adds the stack for people who want it.
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`metric-importer: ${message.split('\n')[0]}\n`);
    if (process.env.LOG_LEVEL === 'debug' && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  });
}

/** Resolves on the first SIGINT or SIGTERM, so entry points can shut down in order. */
export function shutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal));
  });
}
