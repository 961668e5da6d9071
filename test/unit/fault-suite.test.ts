import { describe, expect, it } from 'vitest';
import { startLookerEmulator } from '../../src/looker-emulator';
import { faultBatch, faultSeed, seriesKey } from '../faults/fault-seed';
import { formatTable, passed, type ScenarioRow } from '../faults/report';

describe('the fault suite batch', () => {
  it('is at least 50 metrics over several Looks, daily, weekly and monthly, each a different series', () => {
    expect(faultBatch.length).toBeGreaterThanOrEqual(50);
    expect(new Set(faultBatch.map((series) => series.lookId)).size).toBeGreaterThan(3);
    expect(new Set(faultBatch.map((series) => series.timeframe))).toEqual(new Set(['daily', 'weekly', 'monthly']));
    expect(new Set(faultBatch.map(seriesKey)).size).toBe(faultBatch.length);
  });

  it('is served by the emulator: every Look of the batch returns rows with its date and value fields', async () => {
    const emulator = await startLookerEmulator({ clientId: 'id', clientSecret: 'secret', seed: faultSeed() });
    try {
      const login = await fetch(`${emulator.apiUrl}/login`, { method: 'POST', body: new URLSearchParams({ client_id: 'id', client_secret: 'secret' }) });
      const { access_token: token } = (await login.json()) as { access_token: string };
      for (const series of faultBatch.filter((_, index) => index % 3 === 0)) {
        const run = await fetch(`${emulator.apiUrl}/looks/${series.lookId}/run/json`, { headers: { authorization: `Bearer ${token}` } });
        const rows = (await run.json()) as Record<string, unknown>[];
        expect(rows.length, series.lookId).toBeGreaterThan(40);
        expect(rows[0], series.lookId).toHaveProperty(series.dateField);
        expect(rows[0], series.lookId).toHaveProperty(series.valueField);
      }
    } finally {
      await emulator.close();
    }
  });
});

describe('the fault suite verdict', () => {
  const clean: ScenarioRow = { scenario: 'x', seconds: 1, metrics: 60, compared: 100, missing: 0, duplicated: 0, wrong: 0, recovered: 3, unfinished: 0, notes: '' };

  it('passes only when nothing is missing, duplicated or wrong and every metric finished', () => {
    expect(passed(clean)).toBe(true);
    for (const flaw of [{ missing: 1 }, { duplicated: 1 }, { wrong: 1 }, { unfinished: 1 }, { error: 'boom' }]) {
      expect(passed({ ...clean, ...flaw }), JSON.stringify(flaw)).toBe(false);
    }
  });

  it('prints a row per scenario, and a scenario that threw as unknown counts with its error', () => {
    const table = formatTable([clean, { scenario: 'broken', seconds: 2, error: 'Postgres did not come back' }]);
    expect(table).toContain('| x | 60 | 100 | 0 | 0 | 0 | 3 | 0 | 1 |');
    expect(table).toContain('| broken | – | – | – | – | – | – | – | 2 |');
    expect(table).toContain('- broken: FAILED: Postgres did not come back');
  });
});
