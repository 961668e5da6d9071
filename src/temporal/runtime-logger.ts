import { Runtime } from '@temporalio/worker';
import type { Logger } from '../logger';

/**
 * Routes the SDK's own logs into our structured logger. The runtime is a process singleton created
 * by the first connection, so this must run before it; if something else created it first
 * (a test environment), the SDK keeps its default logger.
 */
export function installRuntimeLogger(logger: Logger): void {
  const log = logger.child({ component: 'temporal-sdk' });
  try {
    Runtime.install({
      logger: {
        log: (level, message, meta) => log[level === 'ERROR' ? 'error' : level === 'WARN' ? 'warn' : level === 'INFO' ? 'info' : 'debug'](meta ?? {}, message),
        trace: (message, meta) => log.debug(meta ?? {}, message),
        debug: (message, meta) => log.debug(meta ?? {}, message),
        info: (message, meta) => log.info(meta ?? {}, message),
        warn: (message, meta) => log.warn(meta ?? {}, message),
        error: (message, meta) => log.error(meta ?? {}, message),
      },
    });
  } catch (error) {
    if (!(error instanceof Error && error.name === 'IllegalStateError')) throw error;
  }
}
