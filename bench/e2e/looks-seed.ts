import type { EmulatorSeedInput } from '../../src/looker-emulator';

export const benchFields = { dateField: 'bench.day', valueFields: ['bench.revenue', 'bench.orders'] } as const;

/**
 * An emulator seed with `looks` Looks (ids "1"…), each `days` daily rows ending yesterday: the
 * realistic result size of a daily KPI (hundreds to a few thousand rows).
 */
export function benchSeed(options: { looks: number; days: number }): EmulatorSeedInput {
  return {
    name: 'bench',
    description: `bench: ${options.looks} Looks of ${options.days} daily rows`,
    user: { id: '1', first_name: 'Bench', last_name: 'User', email: 'bench@example.invalid' },
    folders: [{ id: '1', name: 'Bench', parent_id: null }],
    models: [
      {
        name: 'bench',
        explores: [
          {
            name: 'daily',
            fields: [
              { name: benchFields.dateField, type: 'date_date' },
              { name: 'bench.revenue', type: 'sum' },
              { name: 'bench.orders', type: 'count' },
            ],
          },
        ],
      },
    ],
    looks: Array.from({ length: options.looks }, (_, i) => ({
      id: String(i + 1),
      title: `Bench KPI ${i + 1}`,
      folder_id: '1',
      model: 'bench',
      explore: 'daily',
      fields: [benchFields.dateField, ...benchFields.valueFields],
      sorts: [`${benchFields.dateField} desc`],
      limit: '-1',
      data: {
        generator: {
          dateField: benchFields.dateField,
          end: 'yesterday' as const,
          periods: options.days,
          measures: {
            'bench.revenue': { base: 1_000 + 10 * i, waves: [{ amplitude: 200, period: 7 }], jitter: 50, decimals: 2, min: 0 },
            'bench.orders': { base: 100 + i, jitter: 10, min: 0 },
          },
        },
      },
    })),
  };
}

/** Metric i's source: Looks round-robin, the value field alternating, so metrics share Looks. */
export function metricSource(i: number, looks: number): { lookId: string; dateField: string; valueField: string } {
  return {
    lookId: String((i % looks) + 1),
    dateField: benchFields.dateField,
    valueField: benchFields.valueFields[Math.floor(i / looks) % benchFields.valueFields.length]!,
  };
}
