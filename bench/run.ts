/**
 * `npm run bench`: figures as ratios against a baseline measured in the same run. Progress goes to
 * stderr, the results table to stdout. See docs/benchmarks.md.
 *
 * Environment (all optional):
 *   BENCH_DATABASE_URL     a Postgres *server* URL on 127.0.0.1; the bench creates and drops a
 *                          throw-away database on it. Default: an embedded Postgres in a temp dir.
 *   BENCH_REPEATS          runs per measurement (default 5; parsing, which is cheap, runs 3× as many)
 *   BENCH_ROWS             datapoints per import and rows per parse (default 100000)
 *   BENCH_ROW_BY_ROW_ROWS  rows written by the row-by-row baseline, scaled up (default 1000)
 *   BENCH_IMPORTS          metrics imported once each per run in the per-import benchmark (default 300)
 *   BENCH_IMPORT_ROWS      datapoints per import in the per-import benchmark (default 1000)
 *   BENCH_ONLY             comma list of: parse, write, imports, look (default all)
 *
 * `npm run bench -- e2e-backfill …` (or e2e-daily, e2e-steady, e2e-api, e2e) runs the end-to-end
 * scenarios instead (bench/e2e/options.ts lists the options; the worker takes WORKER_* settings).
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { createDatabase } from '../src/db/client';
import { Cleanup } from './cleanup';
import { canCollectGarbage } from './gc';
import { checkedServerUrl, provisionDatabase } from './database';
import { benchImportCost } from './import-cost';
import { benchLookRun } from './look-run';
import { benchParse } from './parse';
import { elapsedSinceStart, note, step } from './progress';
import { formatMs, renderTable, type Comparison } from './report';
import { median, ratio } from './stats';
import { benchWritePath } from './write-path';
import { renderE2e } from './e2e/e2e-report';
import { E2eArgumentError, parseE2eArgs, type E2eOptions } from './e2e/options';
import { runE2e, type E2eResults } from './e2e/run-e2e';

/** A bad BENCH_* setting: reported as one line, without a stack. */
class ConfigError extends Error {}

const benchmarks = ['parse', 'write', 'imports', 'look'] as const;
type BenchmarkName = (typeof benchmarks)[number];

function intFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new ConfigError(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

function selectedBenchmarks(): Set<BenchmarkName> {
  const raw = process.env.BENCH_ONLY;
  if (!raw) return new Set(benchmarks);
  const names = raw.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !(benchmarks as readonly string[]).includes(name));
  if (unknown.length > 0) throw new ConfigError(`BENCH_ONLY: unknown benchmark(s) ${unknown.join(', ')}; choose from ${benchmarks.join(', ')}`);
  return new Set(names as BenchmarkName[]);
}

function checkedEnvUrl(): string | undefined {
  const value = process.env.BENCH_DATABASE_URL;
  if (!value) return undefined;
  try {
    return checkedServerUrl(value);
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
}

function kb(bytes: readonly number[] | undefined): string {
  return `${Math.round(median(bytes ?? [0]) / 1000).toLocaleString('en-US')} kB`;
}

function rowsPerSecond(rows: number, ms: readonly number[]): string {
  return `${Math.round((rows / median(ms)) * 1000).toLocaleString('en-US')} rows/s`;
}

async function main(cleanup: Cleanup): Promise<void> {
  const repeats = intFromEnv('BENCH_REPEATS', 5, 1);
  const rows = intFromEnv('BENCH_ROWS', 100_000, 100);
  const rowByRowRows = intFromEnv('BENCH_ROW_BY_ROW_ROWS', 1_000, 1);
  const imports = intFromEnv('BENCH_IMPORTS', 300, 1);
  const importRows = intFromEnv('BENCH_IMPORT_ROWS', 1_000, 1);
  const only = selectedBenchmarks();
  const givenServerUrl = checkedEnvUrl();
  const parseRepeats = 3 * repeats;
  const loadAtStart = os.loadavg()[0] ?? 0;
  const fmt = (n: number) => n.toLocaleString('en-US');

  const comparisons: Comparison[] = [];
  const notes: string[] = [];

  if (only.has('parse')) {
    const parse = await benchParse({ rows, repeats: parseRepeats });
    comparisons.push({
      benchmark: `parse: parseLookRows, ${fmt(rows)} rows`,
      ours: parse.ours,
      baselineLabel: `JSON.parse of the body (${(parse.payloadBytes / 1_000_000).toFixed(1)} MB)`,
      baseline: parse.baseline,
      kind: 'cost',
    });
    notes.push(`parseLookRows ${rowsPerSecond(rows, parse.ours.ms)}; JSON.parse ${rowsPerSecond(rows, parse.baseline.ms)}`);
  }

  let settings = '';
  let source = '';
  if (only.has('write') || only.has('imports') || only.has('look')) {
    const target = await provisionDatabase(cleanup, givenServerUrl);
    settings = target.settings;
    source = target.source;
    // One connection: every statement of a run goes over the same, already-prepared session.
    const database = createDatabase(target.url, { max: 1 });
    cleanup.add('close the bench connection', () => database.close());

    if (only.has('write')) {
      const scenarios = await benchWritePath({ db: database.db, sql: database.sql, rows, rowByRowRows, batchSize: 1_000, repeats });
      for (const scenario of scenarios) {
        for (const baseline of scenario.baselines) {
          comparisons.push({
            benchmark: `write: ${scenario.scenario}, ${fmt(rows)} rows`,
            ours: scenario.ours.samples,
            baselineLabel: baseline.label,
            baseline: baseline.samples,
            kind: 'speedup',
          });
        }
        notes.push(
          `write, ${scenario.scenario}: ours ${rowsPerSecond(rows, scenario.ours.samples.ms)}; ` +
            `staging ${formatMs(median(scenario.oursStageMs))} of its ${formatMs(median(scenario.ours.samples.ms))}, the rest is the merge`,
        );
      }
      const [first, ...reimports] = scenarios;
      for (const reimport of first ? reimports : []) {
        const time = ratio(reimport.ours.samples.ms, first!.ours.samples.ms);
        const walRatio = median(reimport.ours.samples.walBytes ?? [0]) / median(first!.ours.samples.walBytes ?? [1]);
        notes.push(`ours, ${reimport.scenario} vs first import: ${time.median.toFixed(2)}× the time, ${walRatio.toFixed(2)}× the WAL`);
      }
    }

    if (only.has('imports')) {
      const scenarios = await benchImportCost({ db: database.db, sql: database.sql, imports, rows: importRows, repeats });
      for (const scenario of scenarios) {
        comparisons.push({
          benchmark: `imports: ${scenario.scenario}, ${fmt(imports)} × ${fmt(importRows)} rows, per import`,
          ours: scenario.ours,
          baselineLabel: scenario.baselineLabel,
          baseline: scenario.baseline,
          kind: 'speedup',
        });
        notes.push(
          `imports, ${scenario.scenario}: ours ${formatMs(median(scenario.ours.ms))} and ${kb(scenario.ours.walBytes)} WAL per import, ` +
            `${scenario.baselineLabel} ${formatMs(median(scenario.baseline.ms))} and ${kb(scenario.baseline.walBytes)}`,
        );
      }
    }

    if (only.has('look')) {
      // The activity's token store and bookkeeping use the pool as the worker does.
      const pool = createDatabase(target.url);
      cleanup.add('close the Look-run pool', () => pool.close());
      const look = await benchLookRun({ db: pool.db, sql: pool.sql, repeats, cleanup });
      for (const baseline of look.baselines) {
        comparisons.push({
          benchmark: `Look run: emulator Look 11, ${fmt(look.rows)} rows`,
          ours: look.ours,
          baselineLabel: `${baseline.label} (${(look.responseBytes / 1_000_000).toFixed(1)} MB)`,
          baseline: baseline.samples,
          kind: 'cost',
        });
      }
      notes.push(`runLook ${rowsPerSecond(look.rows, look.ours.ms)}; ${look.baselines.map((b) => `${b.label} ${rowsPerSecond(look.rows, b.samples.ms)}`).join('; ')}`);
    }
  }

  const lines = [
    machineLine() + (settings ? `; ${settings}; ${source}` : ''),
    `Times: median of ${repeats} runs${only.has('parse') ? ` (parsing: ${parseRepeats})` : ''} ± half the min–max range${canCollectGarbage ? ', full GC before each run' : ''}. ` +
      'Ratio: of the medians (range of the per-run paired ratios). WAL: median MB written during the timed part.',
    `1-minute load average: ${loadAtStart.toFixed(2)} at start, ${(os.loadavg()[0] ?? 0).toFixed(2)} at end (other processes on the box add noise).`,
    '',
    renderTable(comparisons),
    '',
    ...notes.map((line) => `  ${line}`),
    `  total bench time ${(elapsedSinceStart() / 1000).toFixed(0)} s`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function machineLine(): string {
  const cpus = os.cpus();
  return `metric-importer bench, ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB`;
}

async function mainE2e(options: E2eOptions, cleanup: Cleanup): Promise<void> {
  const loadAtStart = os.loadavg()[0] ?? 0;
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`;
  const header = () => [
    machineLine(),
    `command: ${command}`,
    `1-minute load average: ${loadAtStart.toFixed(2)} at start, ${(os.loadavg()[0] ?? 0).toFixed(2)} now (other processes on the box add noise).`,
  ];
  const save = async (results: E2eResults, complete: boolean) => {
    if (!options.json) return;
    const machine = { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model.trim(), memoryGiB: Math.round(os.totalmem() / 2 ** 30) };
    const document = { date: new Date().toISOString(), command, complete, machine, loadAverage: { start: loadAtStart, now: os.loadavg()[0] ?? 0 }, ...results };
    await writeFile(options.json, `${JSON.stringify(document, null, 2)}\n`);
  };
  // Figures so far go to stderr and the JSON file as each measurement ends: a long run keeps them.
  const results = await runE2e(options, cleanup, { databaseServerUrl: checkedEnvUrl() }, async (partial) => {
    process.stderr.write(`${[...header(), ...renderE2e(partial)].join('\n')}\n`);
    await save(partial, false);
  });
  const lines = [...header(), ...renderE2e(results), '', `  total bench time ${(elapsedSinceStart() / 1000).toFixed(0)} s`];
  process.stdout.write(`${lines.join('\n')}\n`);
  await save(results, true);
  if (options.json) note(`figures written to ${options.json}`);
}

const cleanup = new Cleanup();
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    note(`${signal}: cleaning up`);
    void cleanup.runAll().finally(() => process.exit(130));
  });
}

try {
  const e2e = parseE2eArgs(process.argv.slice(2));
  await (e2e ? mainE2e(e2e, cleanup) : main(cleanup));
} catch (error) {
  // After Ctrl-C the cleanup closes connections under the running benchmark: that is not a failure.
  if (!interrupted) note(`failed: ${error instanceof ConfigError || error instanceof E2eArgumentError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  if (!interrupted) await step('cleaning up', () => cleanup.runAll());
}
