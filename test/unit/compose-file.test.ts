import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The temporal-ui service block of docker-compose.yml, up to the next service. */
function temporalUiBlock(): string {
  const compose = readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');
  const block = /^ {2}temporal-ui:\n((?: {4}.*\n|\s*\n)+)/m.exec(compose)?.[1];
  if (block === undefined) throw new Error('docker-compose.yml has no temporal-ui service');
  return block;
}

describe('docker-compose.yml: the Temporal UI, which has no login of its own', () => {
  it('is published on loopback only', () => {
    const ports = [...temporalUiBlock().matchAll(/^ {6}- "?([^"\n]+)"?$/gm)].map((match) => match[1]);
    expect(ports).toEqual(['127.0.0.1:8233:8080']);
  });

  it('has write actions turned off unless the operator asks for them', () => {
    expect(temporalUiBlock()).toMatch(/^ {6}TEMPORAL_DISABLE_WRITE_ACTIONS: \$\{TEMPORAL_UI_DISABLE_WRITE_ACTIONS:-true\}$/m);
  });

  it("decodes payloads through the API's codec endpoint, with the operator's cookie", () => {
    expect(temporalUiBlock()).toMatch(/^ {6}TEMPORAL_CODEC_ENDPOINT: http:\/\/localhost:3000\/codec$/m);
    expect(temporalUiBlock()).toMatch(/^ {6}TEMPORAL_CODEC_INCLUDE_CREDENTIALS: "true"$/m);
  });
});

describe('docker-compose.yml: the production shape', () => {
  const compose = readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');

  it('runs Temporal on the plain server image with the schema set up by admin-tools, not the deprecated auto-setup image', () => {
    expect(compose).not.toMatch(/image: temporalio\/auto-setup/);
    expect(compose).toMatch(/^ {4}image: temporalio\/server:\d+\.\d+\.\d+$/m);
    expect(compose).toMatch(/entrypoint: \["\/bin\/sh", "\/setup-postgres\.sh"\]/);
  });

  it('runs the production build with plain node, and gives workers a health port', () => {
    for (const entry of ['migrate', 'api', 'worker']) expect(compose).toContain(`command: ["node", "dist/cli/${entry}.js"]`);
    expect(compose).toMatch(/^ {6}WORKER_HEALTH_PORT: \d+$/m);
  });
});
