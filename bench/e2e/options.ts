import type { DailyMode } from './daily';

export const e2eScenarios = ['e2e-backfill', 'e2e-daily', 'e2e-steady', 'e2e-api'] as const;
/** Runs alone, on a stack whose workers are separate processes: not part of `e2e`. */
export const workerScalingScenario = 'e2e-workers';
export type E2eScenario = (typeof e2eScenarios)[number] | typeof workerScalingScenario;

export interface E2eOptions {
  scenarios: E2eScenario[];
  metrics: number;
  looks: number;
  /** Daily rows per Look. */
  days: number;
  delaysMs: number[];
  clients: number;
  /** Worker process counts for e2e-workers, one round each. */
  workerCounts: number[];
  /** The plain script's concurrency; default the worker's concurrent activities. */
  cap: number | undefined;
  dailyMode: DailyMode;
  idle: number;
  samples: number;
  idleWindowSeconds: number;
  apiYears: number;
  apiConnections: number;
  apiSeconds: number;
  apiRounds: number;
  json: string | undefined;
}

/** A bad argument: reported as one line naming it, without a stack. */
export class E2eArgumentError extends Error {}

const defaults: Omit<E2eOptions, 'scenarios'> = {
  metrics: 1_000,
  looks: 100,
  days: 1_000,
  delaysMs: [250],
  clients: 8,
  workerCounts: [1, 2, 3],
  cap: undefined,
  dailyMode: 'schedule',
  idle: 10_000,
  samples: 3,
  idleWindowSeconds: 30,
  apiYears: 10,
  apiConnections: 16,
  apiSeconds: 10,
  apiRounds: 3,
  json: undefined,
};

export const e2eUsage = `npm run bench -- <scenario…> [options]
  scenarios: ${e2eScenarios.join(', ')}, or e2e for all four;
             ${workerScalingScenario} alone (the backfill served by 1, 2, 3 worker processes)
  --metrics N          metrics to backfill (${defaults.metrics})       --looks M        Looks they share (${defaults.looks})
  --days D             daily rows per Look (${defaults.days})          --delay-ms A,B   emulator delay per Look run (${defaults.delaysMs.join(',')})
  --clients C          parallel API clients creating (${defaults.clients})   --cap K          plain script's concurrency (worker's concurrent activities)
  --workers A,B        worker processes per e2e-workers round (${defaults.workerCounts.join(',')})
  --daily-mode schedule|import-now (${defaults.dailyMode})
  --idle N             idle metrics for e2e-steady (${defaults.idle})     --samples S      metrics living one scheduled day (${defaults.samples})
  --idle-window-s W    seconds of idle CPU measured (${defaults.idleWindowSeconds})
  --api-years Y (${defaults.apiYears})  --api-connections C (${defaults.apiConnections})  --api-seconds S per round (${defaults.apiSeconds})  --api-rounds R (${defaults.apiRounds})
  --json FILE          also write every figure as JSON`;

const integerFlags = {
  '--metrics': ['metrics', 1],
  '--looks': ['looks', 1],
  '--days': ['days', 1],
  '--clients': ['clients', 1],
  '--cap': ['cap', 1],
  '--idle': ['idle', 0],
  '--samples': ['samples', 1],
  '--idle-window-s': ['idleWindowSeconds', 1],
  '--api-years': ['apiYears', 1],
  '--api-connections': ['apiConnections', 1],
  '--api-seconds': ['apiSeconds', 1],
  '--api-rounds': ['apiRounds', 1],
} as const satisfies Record<string, readonly [keyof E2eOptions, number]>;

function integer(flag: string, raw: string | undefined, min: number): number {
  const value = Number(raw);
  if (raw === undefined || raw === '' || !Number.isInteger(value) || value < min) {
    throw new E2eArgumentError(`${flag} must be an integer ≥ ${min}, got ${raw === undefined ? 'nothing' : `"${raw}"`}`);
  }
  return value;
}

/** Parses `npm run bench -- …` arguments; undefined when no e2e scenario is named. */
export function parseE2eArgs(argv: readonly string[]): E2eOptions | undefined {
  if (argv.length === 0) return undefined;
  const options: E2eOptions = { ...defaults, scenarios: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === 'e2e') options.scenarios.push(...e2eScenarios);
    else if ((e2eScenarios as readonly string[]).includes(flag) || flag === workerScalingScenario) options.scenarios.push(flag as E2eScenario);
    else if (flag in integerFlags) {
      const [key, min] = integerFlags[flag as keyof typeof integerFlags];
      (options as unknown as Record<string, number>)[key] = integer(flag, value(), min);
    } else if (flag === '--delay-ms') {
      const raw = value();
      options.delaysMs = (raw ?? '').split(',').map((part) => integer('--delay-ms', part.trim(), 0));
    } else if (flag === '--workers') {
      options.workerCounts = (value() ?? '').split(',').map((part) => integer('--workers', part.trim(), 1));
    } else if (flag === '--daily-mode') {
      const raw = value();
      if (raw !== 'schedule' && raw !== 'import-now') throw new E2eArgumentError(`--daily-mode must be schedule or import-now, got "${raw ?? ''}"`);
      options.dailyMode = raw;
    } else if (flag === '--json') {
      const raw = value();
      if (!raw) throw new E2eArgumentError('--json needs a file name, e.g. --json e2e.json');
      options.json = raw;
    } else {
      throw new E2eArgumentError(`unknown argument "${arg}"\n${e2eUsage}`);
    }
  }
  if (options.scenarios.length === 0) throw new E2eArgumentError(`name a scenario\n${e2eUsage}`);
  if (options.scenarios.includes(workerScalingScenario) && options.scenarios.length > 1) {
    throw new E2eArgumentError(`${workerScalingScenario} runs alone (its workers are separate processes); run the other scenarios in another command`);
  }
  options.scenarios = [...new Set(options.scenarios)];
  return options;
}
