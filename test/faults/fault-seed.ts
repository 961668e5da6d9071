import { seedSchema, type EmulatorSeed, type EmulatorSeedInput } from '../../src/looker-emulator/seed-schema';

/** One metric of the batch: a Look's time dimension and one of its measures. */
export interface SeriesSpec {
  lookId: string;
  dateField: string;
  valueField: string;
  timeframe: Timeframe;
}

type Timeframe = 'daily' | 'weekly' | 'monthly';

const timeframes: Record<Timeframe, { field: string; type: 'date_date' | 'date_week' | 'date_month'; periods: number }> = {
  daily: { field: 'sales.created_date', type: 'date_date', periods: 730 },
  weekly: { field: 'sales.created_week', type: 'date_week', periods: 156 },
  monthly: { field: 'sales.created_month', type: 'date_month', periods: 48 },
};

const measures = ['sales.orders', 'sales.revenue', 'sales.margin'] as const;

/** Looks in a repeating daily, weekly, monthly order; each has three measures, so three metrics. */
const looks = Array.from({ length: 20 }, (_, index) => ({
  id: String(101 + index),
  timeframe: (['daily', 'weekly', 'monthly'] as const)[index % 3]!,
}));

/**
 * The batch every scenario imports: 20 Looks × 3 measures = 60 metrics (daily, weekly and monthly),
 * each a different series, so a metric that got another's rows shows up as wrong values.
 */
export const faultBatch: readonly SeriesSpec[] = looks.flatMap((look) =>
  measures.map((valueField) => ({ lookId: look.id, dateField: timeframes[look.timeframe].field, valueField, timeframe: look.timeframe })),
);

export const seriesKey = (series: Pick<SeriesSpec, 'lookId' | 'valueField'>) => `${series.lookId}/${series.valueField}`;

/**
 * The emulator seed of the fault suite: deterministic generated rows ending on a fixed date, with
 * waves, jitter, decimals and a null now and then (skipped rows must stay skipped under faults too).
 */
export function faultSeed(): EmulatorSeed {
  const input: EmulatorSeedInput = {
    name: 'faults',
    description: 'Fault suite: 20 generated Looks, daily, weekly and monthly, ending 2024-06-30.',
    user: { id: '7', first_name: 'Fault', last_name: 'Suite', email: 'faults@example.com' },
    folders: [{ id: '1', name: 'Shared', parent_id: null }],
    models: [
      {
        name: 'shop',
        label: 'Shop',
        project_name: 'shop',
        connection_name: 'warehouse',
        explores: [
          {
            name: 'sales',
            label: 'Sales',
            fields: [
              ...Object.values(timeframes).map(({ field, type }) => ({ name: field, type })),
              { name: 'sales.orders', type: 'count' },
              { name: 'sales.revenue', type: 'sum', value_format_name: 'usd' },
              { name: 'sales.margin', type: 'number', category: 'measure' },
            ],
          },
        ],
      },
    ],
    looks: looks.map((look, index) => {
      const { field, periods } = timeframes[look.timeframe];
      return {
        id: look.id,
        title: `Fault suite ${look.timeframe} sales ${index + 1}`,
        folder_id: '1',
        model: 'shop',
        explore: 'sales',
        fields: [field, ...measures],
        sorts: [`${field} desc`],
        limit: '-1',
        data: {
          generator: {
            dateField: field,
            end: '2024-06-30',
            periods,
            measures: {
              'sales.orders': { base: 100 + 10 * index, trend: 1, waves: [{ amplitude: 20, period: 7 }], jitter: 15 },
              'sales.revenue': { base: 5000 + 250 * index, trend: 3, jitter: 400, decimals: 2, nullEvery: 37 + index },
              'sales.margin': { base: 0.2 + index / 100, waves: [{ amplitude: 0.05, period: 30, phase: index }], decimals: 4, asString: index % 2 === 0 },
            },
          },
        },
      };
    }),
  };
  return seedSchema.parse(input);
}
