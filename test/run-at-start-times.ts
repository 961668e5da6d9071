/**
 * Runs the test suite once per start time (TEST_START_AT, see test/helpers/test-clock.ts) and
 * prints a table. `npm run test:times` runs everything at the default times; arguments that look
 * like start times (HH:MM or an ISO instant) replace the defaults, the rest go to vitest, e.g.
 *   npm run test:times -- 23:59 04:59 test/integration/workflow test/integration/local-mode.test.ts
 */
import { spawn } from 'node:child_process';
import { dstWeekStart } from './helpers/test-clock';

const isStartTime = (arg: string) => /^\d{2}:\d{2}$/.test(arg) || /^\d{4}-\d{2}-\d{2}T/.test(arg);

interface Outcome {
  start: string;
  exitCode: number;
  summary: string;
  seconds: number;
}

function runAt(start: string, vitestArgs: string[]): Promise<Outcome> {
  const begun = Date.now();
  process.stderr.write(`\n=== TEST_START_AT=${start} vitest run ${vitestArgs.join(' ')}\n`);
  return new Promise((resolve) => {
    const child = spawn('npx', ['vitest', 'run', ...vitestArgs], { env: { ...process.env, TEST_START_AT: start }, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    });
    child.once('exit', (code) => {
      // eslint-disable-next-line no-control-regex -- strips vitest's colours from its summary line
      const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
      const summary = /Tests\s+(.+)/.exec(plain)?.[1]?.trim() ?? 'no summary (see output above)';
      resolve({ start, exitCode: code ?? 1, summary, seconds: Math.round((Date.now() - begun) / 1000) });
    });
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const given = args.filter(isStartTime);
  const vitestArgs = args.filter((arg) => !isStartTime(arg));
  const starts = given.length > 0 ? given : ['13:00', '23:59', '04:59', '08:30', '17:45', '20:30', dstWeekStart(Date.now())];
  const outcomes: Outcome[] = [];
  for (const [index, start] of starts.entries()) {
    process.stderr.write(`[test:times] ${index + 1}/${starts.length}\n`);
    outcomes.push(await runAt(start, vitestArgs));
  }
  const lines = outcomes.map((o) => `${o.start.padEnd(22)} ${(o.exitCode === 0 ? 'passed' : 'FAILED').padEnd(7)} ${`${o.seconds} s`.padStart(6)}  ${o.summary}`);
  process.stdout.write(`\nTEST_START_AT          result    time  tests\n${lines.join('\n')}\n`);
  process.exitCode = outcomes.every((o) => o.exitCode === 0) ? 0 : 1;
}

await main();
