import { AsyncLocalStorage } from 'node:async_hooks';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger as PinoLogger, type LoggerOptions } from 'pino';
import { build as prettyBuild } from 'pino-pretty';

export type Logger = Pick<PinoLogger, 'info' | 'warn' | 'error' | 'debug' | 'child'>;

/** `auto` is pretty for a person at a terminal and JSON for everything else (files, pipes, log shippers). */
export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * Structured logs on stdout. Secret-bearing keys are redacted as a second line of defence:
 * code must never log secrets in the first place.
 */

export function createLogger(
  options: {
    level?: string;
    name?: string;
    /** Default stdout; tests pass a buffer. */
    destination?: DestinationStream;
    /** `auto` (default) is pretty only when the destination is stdout and stdout is a terminal. */
    format?: LogFormat;
  } = {},
): Logger {
  const settings: LoggerOptions = {
    name: options.name ?? 'metric-importer',
    level: options.level ?? 'info',
    mixin: correlationIds,
    redact: {
      paths: [
        'clientSecret',
        '*.clientSecret',
        'client_secret',
        '*.client_secret',
        'accessToken',
        '*.accessToken',
        'access_token',
        '*.access_token',
        'authorization',
        '*.authorization',
        'apiKey',
        '*.apiKey',
      ],
      censor: '[redacted]',
    },
  };
  const stdoutIsTty = options.destination ? false : process.stdout.isTTY === true;
  if (options.format === 'pretty' || (options.format !== 'json' && stdoutIsTty)) {
    return pino(settings, prettyStream(options.destination, stdoutIsTty));
  }
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

// Synchronous, in-process: a worker-thread transport would lose the last lines on a crash.
function prettyStream(destination: DestinationStream | undefined, colorize: boolean): DestinationStream {
  return prettyBuild({
    destination: destination ?? 1,
    sync: true,
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
  });
}

/** A logger that drops everything, for tests and library defaults. */
export const silentLogger: Logger = pino({ level: 'silent' });

const logContext = new AsyncLocalStorage<Record<string, string>>();

/** Runs `fn` with `fields` (e.g. the API's request id) on every line logged while it runs, awaits included. */
export function withLogContext<T>(fields: Record<string, string>, fn: () => T): T {
  return logContext.run({ ...logContext.getStore(), ...fields }, fn);
}

/** The request id of the log context and the active span's trace and span ids (only while tracing is on). */
function correlationIds(): Record<string, string> {
  const span = trace.getActiveSpan()?.spanContext();
  const ids = span && isSpanContextValid(span) ? { traceId: span.traceId, spanId: span.spanId } : undefined;
  return { ...logContext.getStore(), ...ids };
}
