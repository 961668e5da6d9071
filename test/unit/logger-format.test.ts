import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, type LogFormat } from '../../src/logger';

function capture(format: LogFormat | undefined) {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ name: 'test', format, destination });
  return { logger, output: () => chunks.join('') };
}

describe('log format', () => {
  it('writes one JSON object per line by default when the destination is not a terminal', () => {
    const { logger, output } = capture(undefined);
    logger.info({ metricId: 'm-1', rows: 3 }, 'import finished');
    const record = JSON.parse(output().trim()) as unknown;
    expect(record).toMatchObject({ level: 30, name: 'test', metricId: 'm-1', rows: 3, msg: 'import finished' });
  });

  it('writes a readable line with the level, message and fields when asked for pretty', () => {
    const { logger, output } = capture('pretty');
    logger.warn({ metricId: 'm-1' }, 'Looker answered 429');
    const text = output();
    expect(() => JSON.parse(text) as unknown).toThrow();
    expect(text).toMatch(/WARN.*\(test\): Looker answered 429/);
    expect(text).toContain('metricId: "m-1"');
  });

  it('redacts secrets in pretty output as it does in JSON', () => {
    for (const format of ['json', 'pretty'] as const) {
      const { logger, output } = capture(format);
      logger.info({ integration: { clientSecret: 's3cr3t-value' }, accessToken: 'tok-value' }, 'login');
      expect(output()).not.toMatch(/s3cr3t-value|tok-value/);
      expect(output()).toContain('[redacted]');
    }
  });
});
