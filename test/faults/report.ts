import type { ScenarioResult } from './scenario';

export interface ScenarioRow extends Partial<ScenarioResult> {
  scenario: string;
  seconds: number;
  /** Set when the scenario itself threw: its counts are unknown, so it fails. */
  error?: string;
}

const columns: { title: string; value: (row: ScenarioRow) => string | number | undefined }[] = [
  { title: 'scenario', value: (row) => row.scenario },
  { title: 'metrics', value: (row) => row.metrics },
  { title: 'datapoints compared', value: (row) => row.compared },
  { title: 'missing', value: (row) => row.missing },
  { title: 'duplicated', value: (row) => row.duplicated },
  { title: 'wrong', value: (row) => row.wrong },
  { title: 'runs failed & recovered', value: (row) => row.recovered },
  { title: 'unfinished', value: (row) => row.unfinished },
  { title: 'seconds', value: (row) => row.seconds },
];

/** A scenario passes when every metric finished and no datapoint is missing, duplicated or wrong. */
export function passed(row: ScenarioRow): boolean {
  return row.error === undefined && row.missing === 0 && row.duplicated === 0 && row.wrong === 0 && row.unfinished === 0;
}

/** The result table as Markdown, so it reads in a terminal and pastes into docs/reliability.md. */
export function formatTable(rows: readonly ScenarioRow[]): string {
  const cell = (value: string | number | undefined) => (value === undefined ? '–' : typeof value === 'number' ? value.toLocaleString('en-US') : value);
  const lines = [
    `| ${columns.map((column) => column.title).join(' | ')} |`,
    `|${columns.map((_, index) => (index === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((row) => `| ${columns.map((column) => cell(column.value(row))).join(' | ')} |`),
  ];
  const notes = rows.map((row) => `- ${row.scenario}: ${row.error ? `FAILED: ${row.error}` : row.notes}`);
  return [...lines, '', ...notes].join('\n');
}
