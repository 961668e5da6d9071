// Re-encryption of every stored secret with the current ENCRYPTION_KEYS key (`npm run
// secrets:rotate`), and the check that a key is no longer used before it is dropped.
//
// Batches are small and each row is rewritten with a compare-and-set on its old sealed value, so
// the API and workers keep running meanwhile (a row they changed in between is already under the
// current key) and the command can be stopped at any point and run again: what it selects is
// "not yet under the current key", so a second run continues where the first stopped.
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { clientSecretAad } from '../looker/client-factory';
import { tokenAad } from '../looker/postgres-token-store';
import type { SecretBox } from './secret-box';

/** Rows per key id, per sealed column. */
export type KeyUsage = Record<string, Record<string, number>>;

export interface RotationReport {
  before: KeyUsage;
  after: KeyUsage;
  /** Rows rewritten under the current key in this run. */
  reencrypted: number;
  /** Rows that could not be opened (a key no longer in ENCRYPTION_KEYS, or tampered): left as they are. */
  unreadable: { column: string; row: string; reason: string }[];
  /** False when `maxBatches` stopped the run early; run the command again to finish. */
  finished: boolean;
}

interface SealedRow {
  /** Keyset position, and how the row is named in reports. */
  key: string[];
  sealed: string;
  aad: string;
}

interface SealedColumn {
  name: string;
  /** Sealed values (non-null), for counting. */
  values: SQL;
  /** The next rows after `after` (keyset order) not sealed with `currentKeyId`. */
  batch(after: string[] | undefined, currentKeyId: string, limit: number): SQL;
  toRow(row: Record<string, unknown>): SealedRow;
  /** Rewrites one row if it still holds `old`; returns whether it did. */
  update(row: SealedRow, sealed: string, keyId: string): SQL;
}

const keyIdOf = (column: SQL) => sql`split_part(${column}, ':', 2)`;

const sealedColumns: SealedColumn[] = [
  {
    name: 'integrations.client_secret_sealed',
    values: sql`select client_secret_sealed as sealed from integrations`,
    batch: (after, currentKeyId, limit) => sql`
      select id::text, client_secret_sealed as sealed from integrations
      where ${keyIdOf(sql`client_secret_sealed`)} <> ${currentKeyId} ${after ? sql`and id > ${after[0]}::uuid` : sql``}
      order by id limit ${limit}`,
    toRow: (row) => ({ key: [String(row.id)], sealed: String(row.sealed), aad: clientSecretAad(String(row.id)) }),
    // secret_key_id mirrors the key of the sealed value.
    update: (row, sealed, keyId) => sql`
      update integrations set client_secret_sealed = ${sealed}, secret_key_id = ${keyId}
      where id = ${row.key[0]}::uuid and client_secret_sealed = ${row.sealed}`,
  },
  {
    name: 'looker_tokens.access_token_sealed',
    values: sql`select access_token_sealed as sealed from looker_tokens where access_token_sealed is not null`,
    batch: (after, currentKeyId, limit) => sql`
      select integration_id::text, api_endpoint, client_id, access_token_sealed as sealed from looker_tokens
      where access_token_sealed is not null and ${keyIdOf(sql`access_token_sealed`)} <> ${currentKeyId}
      ${after ? sql`and (integration_id, api_endpoint, client_id) > (${after[0]}::uuid, ${after[1]}, ${after[2]})` : sql``}
      order by integration_id, api_endpoint, client_id limit ${limit}`,
    toRow: (row) => {
      const binding = { integrationId: String(row.integration_id), apiEndpoint: String(row.api_endpoint), clientId: String(row.client_id) };
      return { key: [binding.integrationId, binding.apiEndpoint, binding.clientId], sealed: String(row.sealed), aad: tokenAad(binding) };
    },
    update: (row, sealed) => sql`
      update looker_tokens set access_token_sealed = ${sealed}
      where integration_id = ${row.key[0]}::uuid and api_endpoint = ${row.key[1]} and client_id = ${row.key[2]}
        and access_token_sealed = ${row.sealed}`,
  },
];

/** How many stored values each key id seals, per column. */
export async function keyUsage(db: Db): Promise<KeyUsage> {
  const usage: KeyUsage = {};
  for (const column of sealedColumns) {
    const rows = await db.execute<{ key_id: string; rows: string }>(
      sql`select split_part(sealed, ':', 2) as key_id, count(*) as rows from (${column.values}) as v group by 1 order by 1`,
    );
    usage[column.name] = Object.fromEntries(rows.map((row) => [row.key_id, Number(row.rows)]));
  }
  return usage;
}

/** The columns that still hold values sealed with `keyId`, with their counts: empty when it can be dropped. */
export async function columnsUsingKey(db: Db, keyId: string): Promise<{ column: string; rows: number }[]> {
  const usage = await keyUsage(db);
  return Object.entries(usage).flatMap(([column, byKey]) => (byKey[keyId] ? [{ column, rows: byKey[keyId] }] : []));
}

export async function rotateSecrets(deps: {
  db: Db;
  secretBox: SecretBox;
  batchSize?: number;
  /** Stop after this many batches (all columns together), e.g. to spread the work over several runs. */
  maxBatches?: number;
  onBatch?: (progress: { column: string; reencrypted: number }) => void;
}): Promise<RotationReport> {
  const { db, secretBox } = deps;
  const batchSize = deps.batchSize ?? 500;
  const before = await keyUsage(db);
  const unreadable: RotationReport['unreadable'] = [];
  let reencrypted = 0;
  let batches = 0;
  let finished = true;
  columns: for (const column of sealedColumns) {
    let after: string[] | undefined;
    for (;;) {
      if (deps.maxBatches !== undefined && batches >= deps.maxBatches) {
        finished = false;
        break columns;
      }
      const rows = (await db.execute<Record<string, unknown>>(column.batch(after, secretBox.currentKeyId, batchSize))).map((row) => column.toRow(row));
      if (rows.length === 0) break;
      batches += 1;
      let done = 0;
      for (const row of rows) {
        let plaintext: string;
        try {
          plaintext = secretBox.decrypt(row.sealed, row.aad);
        } catch (error) {
          unreadable.push({ column: column.name, row: row.key.join(' / '), reason: error instanceof Error ? error.message : String(error) });
          continue;
        }
        const updated = await db.execute(column.update(row, secretBox.encrypt(plaintext, row.aad), secretBox.currentKeyId));
        // Zero rows: changed meanwhile (by the API or a token refresh), so already under the current key.
        if (updated.count > 0) done += 1;
      }
      reencrypted += done;
      deps.onBatch?.({ column: column.name, reencrypted: done });
      after = rows.at(-1)!.key;
    }
  }
  return { before, after: await keyUsage(db), reencrypted, unreadable, finished };
}
