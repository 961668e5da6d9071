import { parseArgs } from 'node:util';
import { loadConfig, requireSetting } from '../config/env';
import { createSecretBox, parseEncryptionKeys } from '../crypto/secret-box';
import { columnsUsingKey, rotateSecrets, type KeyUsage } from '../crypto/secret-rotation';
import { createDatabase } from '../db/client';
import { runMain } from './run-main';

const usage = `Usage: npm run secrets:rotate [-- --batch-size N] [-- --max-batches N]
       npm run secrets:rotate -- --check-unused <keyId>`;

// `npm run secrets:rotate`: re-encrypts every stored secret with the first ENCRYPTION_KEYS key
// (docs/scheduling-and-secrets.md, "Rotation"); `--check-unused k1` exits 1 while any row uses k1.
runMain(async () => {
  const { values } = parseArgs({
    options: { 'check-unused': { type: 'string' }, 'batch-size': { type: 'string' }, 'max-batches': { type: 'string' } },
    strict: true,
  });
  const positive = (name: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1) throw new Error(`--${name}: must be a whole number of at least 1 (got "${value}")\n${usage}`);
    return number;
  };
  const batchSize = positive('batch-size', values['batch-size']);
  const maxBatches = positive('max-batches', values['max-batches']);

  const config = loadConfig();
  const database = createDatabase(requireSetting(config, 'DATABASE_URL', 'the service database'), { max: 2 });
  try {
    const unusedKey = values['check-unused'];
    if (unusedKey !== undefined) {
      const users = await columnsUsingKey(database.db, unusedKey);
      if (users.length > 0) {
        const where = users.map(({ column, rows }) => `${column} (${rows} rows)`).join(', ');
        throw new Error(`key "${unusedKey}" is still in use by ${where}: run \`npm run secrets:rotate\` before removing it from ENCRYPTION_KEYS`);
      }
      process.stdout.write(`key "${unusedKey}" seals no stored value: it can be removed from ENCRYPTION_KEYS\n`);
      return;
    }
    const secretBox = createSecretBox(parseEncryptionKeys(requireSetting(config, 'ENCRYPTION_KEYS', 'the keys, current first')));
    const report = await rotateSecrets({
      db: database.db,
      secretBox,
      batchSize,
      maxBatches,
      onBatch: ({ column, reencrypted }) => process.stdout.write(`  ${column}: ${reencrypted} re-encrypted\n`),
    });
    process.stdout.write(`Rows per key before:\n${usageLines(report.before)}Rows per key after:\n${usageLines(report.after)}`);
    process.stdout.write(`${report.reencrypted} rows re-encrypted with "${secretBox.currentKeyId}".\n`);
    for (const row of report.unreadable) process.stdout.write(`  not readable: ${row.column} ${row.row}: ${row.reason}\n`);
    if (!report.finished) process.stdout.write('Stopped after --max-batches; run the command again to continue.\n');
    if (report.unreadable.length > 0) throw new Error(`${report.unreadable.length} rows could not be decrypted with ENCRYPTION_KEYS (listed above)`);
  } finally {
    await database.close();
  }
});

function usageLines(usage: KeyUsage): string {
  return Object.entries(usage)
    .map(([column, byKey]) => {
      const counts = Object.entries(byKey).map(([keyId, rows]) => `${keyId}: ${rows}`);
      return `  ${column}  ${counts.length > 0 ? counts.join(', ') : '(none)'}\n`;
    })
    .join('');
}
