import { loadConfig, requireSetting } from '../config/env';
import { runMigrations } from '../db/migrate';
import { runMain } from './run-main';

runMain(async () => {
  const config = loadConfig();
  const url = requireSetting(config, 'DATABASE_URL', 'the Postgres to migrate, e.g. postgres://user:pass@localhost:5432/metric_importer');
  await runMigrations(url);
  process.stdout.write('migrations applied\n');
});
