import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { runMigrations } from '../src/db/migrate';
import { generatePostgresPassword, startEmbeddedPostgres } from '../src/local/embedded-postgres';
import { freePort } from '../src/local/free-port';
import { defaultToolsDir } from '../src/local/paths';
import { startTemporalDevServer } from '../src/local/temporal-dev-server';
import { silentLogger } from '../src/logger';
import { findOrInstallTemporalBinary } from '../src/temporal/binaries';
import { resolveStartOffset } from './helpers/test-clock';
import { createTestDatabase } from './helpers/test-database';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalAddress: string;
    temporalTestServerPath: string;
    temporalCliPath: string;
  }
}

/**
 * Real infrastructure for the integration tests, started once: Postgres (embedded, or the server
 * in TEST_DATABASE_URL), the Temporal dev server, and the path of the time-skipping test server.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: (() => Promise<void>)[] = [];
  const progress = (message: string) => process.stderr.write(`[global-setup] ${message}\n`);
  // First, so a malformed TEST_START_AT stops the run before anything starts.
  const realNow = Date.now();
  const clockOffsetMs = resolveStartOffset(process.env.TEST_START_AT, realNow);
  if (clockOffsetMs > 0) progress(`test clock starts at ${new Date(realNow + clockOffsetMs).toISOString()} (TEST_START_AT=${process.env.TEST_START_AT})`);

  let serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'metric-importer-pg-'));
    const postgres = await startEmbeddedPostgres({ dataDir, database: 'postgres', password: generatePostgresPassword(), logger: silentLogger });
    stops.push(async () => {
      await postgres.stop();
      await rm(dataDir, { recursive: true, force: true });
    });
    serverUrl = postgres.url;
  }
  const database = await createTestDatabase(serverUrl);
  stops.push(() => database.drop());
  await runMigrations(database.url);

  const toolsDir = defaultToolsDir;
  const cli = await findOrInstallTemporalBinary('cli', { toolsDir, onProgress: progress });
  const testServer = await findOrInstallTemporalBinary('test-server', { toolsDir, onProgress: progress });
  const temporal = await startTemporalDevServer({ binary: cli, port: await freePort(), logger: silentLogger });
  stops.push(() => temporal.stop());

  project.provide('databaseUrl', database.url);
  project.provide('temporalAddress', temporal.address);
  project.provide('temporalTestServerPath', testServer);
  project.provide('temporalCliPath', cli);
  project.provide('testClockOffsetMs', clockOffsetMs);

  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
