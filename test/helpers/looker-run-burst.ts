/**
 * A stand-in worker process for the token-sharing test: builds the production services (Postgres
 * pool, SecretBox, SSRF-guarded dispatcher, Looker client factory with the shared Postgres token
 * store) and, on each "go" line from stdin, fires RUNS concurrent Look runs for one integration,
 * each through its own `forIntegration` client as the runLook activity does.
 *
 * Protocol (one JSON object per stdout line): {"ready":true} once set up; per "go":
 * {"burst":n,"ok":k,"errors":[…failure types…]}. "exit" (or stdin closing) shuts down.
 *
 * Env: DATABASE_URL, ENCRYPTION_KEYS, INTEGRATION_ID, LOOK_ID, RUNS, LOOKER_ALLOWED_HOSTS.
 */
import { createInterface } from 'node:readline';
import { LookerError } from '../../src/looker/errors';
import { silentLogger } from '../../src/logger';
import { createServices } from '../../src/runtime/services';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const integrationId = env('INTEGRATION_ID');
const lookId = env('LOOK_ID');
const runs = Number(env('RUNS'));
const services = createServices({
  databaseUrl: env('DATABASE_URL'),
  databasePoolSize: 10,
  encryptionKeys: env('ENCRYPTION_KEYS'),
  lookerAllowedHosts: env('LOOKER_ALLOWED_HOSTS').split(','),
  lookerMaxRows: 1_000_000,
  lookerTimeoutSeconds: 60,
  logger: silentLogger,
});

const say = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);

async function runOnce(): Promise<string | undefined> {
  try {
    const client = await services.lookerClients.forIntegration(integrationId);
    if (!client) return 'IntegrationMissing';
    const rows = await client.runLook(lookId, { limit: 1000 });
    return Array.isArray(rows) && rows.length > 0 ? undefined : 'NoRows';
  } catch (error) {
    return error instanceof LookerError ? error.type : error instanceof Error ? error.name : 'Unknown';
  }
}

let burst = 0;
const lines = createInterface({ input: process.stdin });
// Warm the pool so both processes start their runs on equal terms.
await services.database.sql`select 1`;
say({ ready: true });
for await (const line of lines) {
  if (line.trim() === 'go') {
    burst++;
    const outcomes = await Promise.all(Array.from({ length: runs }, () => runOnce()));
    const errors = outcomes.filter((outcome) => outcome !== undefined);
    say({ burst, ok: runs - errors.length, errors });
  } else if (line.trim() === 'exit') {
    break;
  }
}
lines.close();
await services.close();
