import { randomUUID } from 'node:crypto';
import type { ActivityDeps } from '../src/activities/deps';
import type { Db } from '../src/db/client';
import { importRuns, integrations, metrics, workspaces, type ImportRunKind } from '../src/db/schema';
import type { SharedLookResults } from '../src/looker/shared-look-results';
import type { LookerClientFactory } from '../src/looker/client-factory';
import { silentLogger } from '../src/logger';
import { createPrometheusMetrics } from '../src/observability/prometheus';

export interface Datapoint {
  date: string;
  value: string;
}

const dayMs = 86_400_000;
/** Like the emulator's 100k-row Look: daily rows ending on this date. */
export const lastDate = '2024-06-30';

/** Deterministic value in cents for day `i`: 100.00 to 9,099.99, with two decimals. */
export function cents(i: number): number {
  return 10_000 + ((i * 7_919) % 900_000);
}

export function centsToDecimal(value: number): string {
  const whole = Math.floor(value / 100);
  const fraction = value % 100;
  if (fraction === 0) return String(whole);
  return `${whole}.${String(fraction).padStart(2, '0').replace(/0$/, '')}`;
}

/** `count` consecutive days ending on `lastDate`, oldest first. */
export function dailyDates(count: number): string[] {
  const end = Date.parse(`${lastDate}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => new Date(end - (count - 1 - i) * dayMs).toISOString().slice(0, 10));
}

/** The series to import: base values, or base values with every 100th one raised by 1 (1% changed). */
export function series(dates: readonly string[], variant: 'base' | 'changed-1pct'): { points: Datapoint[]; cents: number[] } {
  const values = dates.map((_, i) => cents(i) + (variant === 'changed-1pct' && i % 100 === 0 ? 100 : 0));
  return { points: dates.map((date, i) => ({ date, value: centsToDecimal(values[i]!) })), cents: values };
}

export interface MetricFixture {
  workspaceId: string;
  integrationId: string;
  metricId: string;
}

/** A workspace, an integration and a metric, as the API would save them. */
export async function createMetric(
  db: Db,
  integration: { apiEndpoint: string; clientId: string; clientSecretSealed: string; secretKeyId: string; id?: string },
  look: { lookId: string; dateField: string; valueField: string },
): Promise<MetricFixture> {
  const [workspace] = await db.insert(workspaces).values({ name: 'bench' }).returning({ id: workspaces.id });
  const workspaceId = workspace!.id;
  const integrationId = integration.id ?? randomUUID();
  await db.insert(integrations).values({ ...integration, id: integrationId, workspaceId, name: 'bench Looker' });
  const [metric] = await db
    .insert(metrics)
    .values({ workspaceId, integrationId, name: 'bench metric', ...look, state: 'active' })
    .returning({ id: metrics.id });
  return { workspaceId, integrationId, metricId: metric!.id };
}

/** An import run row, as the workflow's bookkeeping activity creates it before `runLook`. */
export async function createImportRun(db: Db, fixture: MetricFixture, look: { lookId: string; dateField: string; valueField: string }, kind: ImportRunKind): Promise<string> {
  const id = randomUUID();
  await db.insert(importRuns).values({
    id,
    workspaceId: fixture.workspaceId,
    metricId: fixture.metricId,
    kind,
    scheduledFor: new Date(),
    ...look,
    configVersion: 1,
  });
  return id;
}

/** The activity deps the upsert needs: the real pools; Looker is never called. */
export function upsertDeps(db: Db, maxRows: number): ActivityDeps {
  const lookerClients: LookerClientFactory = {
    forIntegration: () => Promise.reject(new Error('the write-path benches do not call Looker')),
    forCredentials: () => {
      throw new Error('the write-path benches do not call Looker');
    },
  };
  const sharedLookResults: SharedLookResults = { rows: () => Promise.reject(new Error('the write-path benches do not call Looker')) };
  return { db, logger: silentLogger, lookerClients, maxRows, sharedLookResults, prometheus: createPrometheusMetrics() };
}
