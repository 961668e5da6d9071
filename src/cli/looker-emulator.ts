import { parseArgs } from 'node:util';
import { loadSeed, startLookerEmulator } from '../looker-emulator';
import { exposureWarning } from '../looker-emulator/exposure';

const DEFAULT_PORT = 9999;

const usage = `Usage: npm run looker-emulator -- [options]
  --port N              port to listen on (default ${DEFAULT_PORT}; 0 = any free port)
  --host H              interface to bind (default 127.0.0.1; anything else is reachable
                        from the network, and /__emulator has no authentication)
  --client-id ID        API client id to accept (default demo-client-id)
  --client-secret S     API client secret to accept (default demo-client-secret)
  --seed NAME|PATH      built-in seed (demo, test) or a seed JSON file (default demo)
  --token-ttl SECONDS   access token lifetime (default 3600)
  --help                show this help`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: String(DEFAULT_PORT) },
      host: { type: 'string', default: '127.0.0.1' },
      'client-id': { type: 'string', default: 'demo-client-id' },
      'client-secret': { type: 'string', default: 'demo-client-secret' },
      seed: { type: 'string', default: 'demo' },
      'token-ttl': { type: 'string', default: '3600' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const port = Number(values.port);
  const ttl = Number(values['token-ttl']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got ${values.port}`);
  if (!Number.isFinite(ttl) || ttl <= 0) throw new Error(`--token-ttl must be a positive number of seconds, got ${values['token-ttl']}`);

  const warning = exposureWarning(values.host);
  if (warning !== undefined) console.error(warning);
  const emulator = await startLookerEmulator({
    host: values.host,
    port,
    clientId: values['client-id'],
    clientSecret: values['client-secret'],
    seed: loadSeed(values.seed),
    tokenTtlSeconds: ttl,
  });
  // One line, stable prefix: scripts and tests wait for it and read the URL from it.
  console.log(`Looker emulator listening on ${emulator.url} (API ${emulator.apiUrl}, seed ${values.seed})`);

  const stop = (signal: NodeJS.Signals) => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    emulator.close().then(
      () => console.log(`Looker emulator stopped (${signal})`),
      (err: unknown) => {
        console.error('Looker emulator failed to stop cleanly', err);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
