import { Runtime } from '@temporalio/worker';
import type { Logger } from '../logger';

/**
 * Routes the SDK's own logs into our structured logger and, given `sdkMetricsPort`, serves the
 * SDK's worker metrics (task slots, poll latency, sticky cache…) in Prometheus format on that
 * loopback port, for the worker's /metrics to relay. The runtime is a process singleton created
 * by the first connection, so this must run before it; if something else created it first
 * (a test environment), the SDK keeps its defaults.
 */
export function installRuntimeLogger(logger: Logger, telemetry: { sdkMetricsPort?: number } = {}): void {
  const log = logger.child({ component: 'temporal-sdk' });
  try {
    Runtime.install({
      ...(telemetry.sdkMetricsPort === undefined ? {} : { telemetryOptions: { metrics: sdkPrometheusExporter(telemetry.sdkMetricsPort) } }),
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
    if (error instanceof Error && error.name === 'IllegalStateError') return;
    // E.g. "Failed to start prometheus metrics exporter: Address already in use".
    if (telemetry.sdkMetricsPort !== undefined && error instanceof Error && /prometheus/i.test(error.message)) {
      throw new Error(`TEMPORAL_SDK_METRICS_PORT: ${error.message} (port ${telemetry.sdkMetricsPort} on 127.0.0.1); set it to a free port`, { cause: error });
    }
    throw error;
  }
}

/** Prometheus naming: seconds, `_total` counters, units in histogram names. */
function sdkPrometheusExporter(port: number) {
  return {
    prometheus: { bindAddress: `127.0.0.1:${port}`, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true },
  };
}

export const sdkMetricsUrl = (port: number): string => `http://127.0.0.1:${port}/metrics`;
