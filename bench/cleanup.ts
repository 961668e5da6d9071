import { note } from './progress';

/** Teardown steps, run last-registered first: on success, on failure and on Ctrl-C. */
export class Cleanup {
  private readonly steps: { label: string; run: () => Promise<void> }[] = [];
  private running: Promise<void> | undefined;

  add(label: string, run: () => Promise<void>): void {
    this.steps.push({ label, run });
  }

  /** Runs every step once, even if one fails; later calls wait for the first. */
  runAll(): Promise<void> {
    this.running ??= (async () => {
      for (const { label, run } of this.steps.reverse()) {
        try {
          note(`cleanup: ${label}`);
          await run();
        } catch (error) {
          note(`cleanup: ${label} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    })();
    return this.running;
  }
}
