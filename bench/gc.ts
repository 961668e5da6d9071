import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * A full garbage collection before a timed run, so one run's garbage is not collected on the next
 * run's clock. `npm run bench` cannot pass --expose-gc, so the flag is set at run time (the usual
 * trick: the flag applies to contexts created afterwards). Without it, this does nothing.
 */
const collect = ((): (() => void) | undefined => {
  try {
    v8.setFlagsFromString('--expose-gc');
    const fn: unknown = vm.runInNewContext('gc');
    return typeof fn === 'function' ? (fn as () => void) : undefined;
  } catch {
    return undefined;
  }
})();

export const canCollectGarbage = collect !== undefined;

export function collectGarbage(): void {
  collect?.();
}
