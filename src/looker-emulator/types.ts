/** A single result value as Looker puts it in `json` rows (dates are naive strings). */
export type CellValue = string | number | boolean | null;

/** A flat result row keyed by fully-qualified field name (`view.field`). */
export type Row = Record<string, CellValue>;

/** Looker timeframes the emulator can generate and format. */
export type Timeframe = 'day' | 'week' | 'month' | 'quarter' | 'year' | 'time';
