import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, withLogContext } from '../../src/logger';
import { serviceTracer, startTracing } from '../../src/telemetry/tracing';

describe('tracing off', () => {
  it('installs nothing without OTEL_EXPORTER_OTLP_ENDPOINT: spans are the API no-op spans and log lines carry no trace id', async () => {
    expect(startTracing({ serviceName: 'metric-importer-test' }, 'metric-importer-test')).toBeUndefined();
    const lines: string[] = [];
    const logger = createLogger({ destination: new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) }) });
    await serviceTracer().startActiveSpan('anything', async (span) => {
      expect(span.isRecording()).toBe(false);
      await withLogContext({ requestId: 'req-1' }, async () => {
        await Promise.resolve();
        logger.info('inside');
      });
      span.end();
    });
    logger.info('outside');
    const [inside, outside] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(inside).toMatchObject({ msg: 'inside', requestId: 'req-1' });
    expect(inside).not.toHaveProperty('traceId');
    expect(outside).not.toHaveProperty('requestId');
  });
});
