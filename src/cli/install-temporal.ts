import { defaultToolsDir } from '../local/paths';
import { findOrInstallTemporalBinary } from '../temporal/binaries';
import { runMain } from './run-main';

// Finds or installs both Temporal binaries ahead of time (what `npm start` and `npm test` do lazily).
runMain(async () => {
  const onProgress = (message: string) => process.stdout.write(`${message}\n`);
  for (const kind of ['cli', 'test-server'] as const) {
    const path = await findOrInstallTemporalBinary(kind, { toolsDir: defaultToolsDir, onProgress });
    process.stdout.write(`${kind}: ${path}\n`);
  }
});
