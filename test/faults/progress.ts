/** One line per phase on stderr, with the time since the suite started, so a person sees it working. */
export interface Progress {
  step(message: string): void;
  /** The same display, each line prefixed with the scenario's name. */
  scope(name: string): Progress;
}

export function createProgress(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`), startedAt = Date.now(), prefix = ''): Progress {
  return {
    step: (message) => {
      const seconds = Math.round((Date.now() - startedAt) / 1000);
      write(`[faults ${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}] ${prefix}${message}`);
    },
    scope: (name) => createProgress(write, startedAt, `${prefix}${name}: `),
  };
}
