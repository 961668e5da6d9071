import { describe, expect, inject, it } from 'vitest';
import { Cleanup } from '../../../bench/cleanup';
import { parseE2eArgs } from '../../../bench/e2e/options';
import { runE2e } from '../../../bench/e2e/run-e2e';

/**
 * Every `npm run bench` end-to-end scenario at a tiny size against the tests' Postgres and Temporal,
 * so the bench cannot rot. What the figures must add up to is asserted, never how long anything took.
 * The two runs go concurrently because each waits for a whole minute (import times are HH:MM).
 */
const infrastructure = () => ({ databaseUrl: inject('databaseUrl'), temporalAddress: inject('temporalAddress') });

async function run(args: string[], given: Partial<ReturnType<typeof infrastructure>> = infrastructure()) {
  const cleanup = new Cleanup();
  try {
    return await runE2e(parseE2eArgs(args)!, cleanup, given);
  } finally {
    await cleanup.runAll();
  }
}

describe('npm run bench end-to-end scenarios, tiny', () => {
  it.concurrent(
    'backfill against the plain script, the daily cycle on the schedule, and API reads against the bare route',
    async () => {
      const results = await run(['e2e-backfill', 'e2e-daily', 'e2e-api', '--metrics', '6', '--looks', '3', '--days', '30', '--delay-ms', '20,0', '--api-years', '1', '--api-connections', '2', '--api-seconds', '1', '--api-rounds', '1']);

      expect(results.backfill?.map((b) => b.delayMs)).toEqual([20, 0]);
      for (const backfill of results.backfill ?? []) {
        // Every metric imported its Look's 30 days, through the pipeline and through the script alike.
        expect(backfill.pipeline.states).toEqual({ active: 6 });
        expect(backfill.pipeline.datapoints).toBe(6 * 30);
        expect(backfill.plainScript.datapoints).toBe(6 * 30);
        // Read from the emulator: at least one run per Look, whatever sharing the code does.
        expect(backfill.pipeline.looker.lookRuns).toBeGreaterThanOrEqual(3);
        // One run per metric and one field check per Look (3).
        expect(backfill.plainScript.looker.lookRuns).toBe(9);
        expect(backfill.plainScript.looker.fieldCheckRuns).toBe(3);
        expect(backfill.ratio).toBeGreaterThan(0);
      }
      expect(results.daily).toMatchObject({ mode: 'schedule', metrics: 6, succeeded: 6, failed: 0 });
      expect(results.daily!.looker.lookRuns).toBeGreaterThanOrEqual(3);
      expect(results.api).toMatchObject({ datapoints: 365, connections: 2 });
      expect(results.api!.ours.requests).toBeGreaterThan(0);
      expect(results.api!.bare.requests).toBeGreaterThan(0);
    },
    300_000,
  );

  it.concurrent(
    'steady state: idle metrics wait, and a sample lives one scheduled day',
    async () => {
      const results = await run(['e2e-steady', '--looks', '2', '--days', '30', '--idle', '4', '--samples', '1', '--idle-window-s', '1']);

      expect(results.steady).toMatchObject({ idleMetrics: 4, actions: { sampleMetrics: 1 } });
      // One day holds at least its timer and the import's activities.
      expect(results.steady!.actions.byKind.timer).toBe(1);
      expect(results.steady!.actions.byKind.activity).toBeGreaterThanOrEqual(3);
      expect(results.steady!.after.rssMb).toBeGreaterThan(0);
    },
    300_000,
  );

  it(
    'worker scaling: each round backfills with that many production worker processes, on a Temporal server of its own',
    async () => {
      const results = await run(['e2e-workers', '--workers', '1,2', '--metrics', '4', '--looks', '2', '--days', '30', '--delay-ms', '0'], {
        databaseUrl: inject('databaseUrl'),
      });
      expect(results.workers?.map((round) => [round.workers, round.backfill.states, round.backfill.datapoints])).toEqual([
        [1, { active: 4 }, 4 * 30],
        [2, { active: 4 }, 4 * 30],
      ]);
      expect(results.workers![0]!.speedup).toBe(1);
      expect(results.workers![1]!.speedup).toBeGreaterThan(0);
    },
    300_000,
  );

  it('refuses bad arguments, naming the flag', () => {
    expect(() => parseE2eArgs(['e2e-workers', 'e2e-backfill'])).toThrow('e2e-workers runs alone');
    expect(() => parseE2eArgs(['e2e-workers', '--workers', '1,0'])).toThrow('--workers must be an integer ≥ 1, got "0"');
    expect(() => parseE2eArgs(['e2e-backfill', '--metrics', '0'])).toThrow('--metrics must be an integer ≥ 1, got "0"');
    expect(() => parseE2eArgs(['e2e-backfill', '--delay-ms', '250,x'])).toThrow('--delay-ms must be an integer ≥ 0, got "x"');
    expect(() => parseE2eArgs(['e2e-daily', '--daily-mode', 'tomorrow'])).toThrow('--daily-mode must be schedule or import-now, got "tomorrow"');
    expect(() => parseE2eArgs(['e2e-backfil'])).toThrow('unknown argument "e2e-backfil"');
    expect(() => parseE2eArgs(['--metrics', '5'])).toThrow('name a scenario');
    expect(() => parseE2eArgs(['e2e', '--json'])).toThrow('--json needs a file name');
    expect(parseE2eArgs([])).toBeUndefined();
    expect(parseE2eArgs(['e2e', '--metrics=50'])).toMatchObject({ metrics: 50, scenarios: ['e2e-backfill', 'e2e-daily', 'e2e-steady', 'e2e-api'] });
  });
});
