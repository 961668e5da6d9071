import { parseLookRows } from '../src/looker/parse-look-result';
import { cents, dailyDates } from './fixtures';
import { collectGarbage } from './gc';
import { note, step } from './progress';
import { timed, type Samples } from './stats';

export interface ParseBenchResult {
  payloadBytes: number;
  ours: Samples;
  baseline: Samples;
}

const dateField = 'orders.created_date';
const valueField = 'orders.total_revenue';

/**
 * `parseLookRows` on a Look's `json` result against `JSON.parse` of the same body. Rows come newest
 * first with two-decimal numbers, as a Look sorted by date descending returns them.
 */
export async function benchParse(options: { rows: number; repeats: number }): Promise<ParseBenchResult> {
  const { rows, repeats } = options;
  const dates = dailyDates(rows);
  const payload = JSON.stringify(
    dates.map((date, i) => ({ [dateField]: date, [valueField]: cents(i) / 100 })).reverse(),
  );
  const parsedRows: unknown = JSON.parse(payload);
  const parseOptions = { dateField, valueField, limit: 1_000_000 };
  const check = (result: ReturnType<typeof parseLookRows>) => {
    const skipped = Object.values(result.skipped).reduce((sum, n) => sum + n, 0);
    if (result.datapoints.length !== rows || skipped !== 0 || result.datapoints[0]?.date !== dates[0]) {
      throw new Error(`parseLookRows returned ${result.datapoints.length} datapoints (${skipped} skipped), expected ${rows}`);
    }
  };

  const runs: Record<'baseline' | 'ours', () => unknown> = {
    baseline: (): number => (JSON.parse(payload) as unknown[]).length,
    ours: (): void => check(parseLookRows(parsedRows, parseOptions)),
  };
  await step('parsing: warm-up', async () => {
    for (let i = 0; i < 3; i++) {
      runs.baseline();
      runs.ours();
      await breathe();
    }
  });

  const result: ParseBenchResult = { payloadBytes: Buffer.byteLength(payload), ours: { ms: [] }, baseline: { ms: [] } };
  await step(`parsing: ${repeats} runs of each on ${rows.toLocaleString('en-US')} rows`, async () => {
    for (let rep = 0; rep < repeats; rep++) {
      const order = rep % 2 === 0 ? (['baseline', 'ours'] as const) : (['ours', 'baseline'] as const);
      for (const which of order) {
        await breathe();
        result[which].ms.push((await timed(runs[which])).ms);
      }
      note(`parsing: run ${rep + 1}/${repeats} done`);
    }
  });
  return result;
}

/** Lets pending I/O and timers run, then collects garbage, between synchronous measurements. */
async function breathe(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
}
