/**
 * Turns the rows of a Look run (`json` result format, or `json_detail` cells) into one
 * `(date, value)` datapoint per date. Every decision — accepted date and value forms, skips,
 * duplicates, pivots, truncation — is explained in docs/parsing.md. Errors are written for a
 * Looker user: they name the fields and say what to change in Looker. They never quote
 * datapoint values (messages end up in workflow history); dates and field names are fine.
 */

/* ------------------------------------------------------------------------------------------------
 * Public types
 * ---------------------------------------------------------------------------------------------- */

/** Timeframes whose value names a calendar period: it maps to the period's first day. */
type PeriodTimeframe = 'date' | 'week' | 'month' | 'quarter' | 'year';
/** Timeframes whose value is a point in time: it maps to its calendar date, as Looker rendered it. */
type InstantTimeframe = 'raw' | 'time' | 'hour' | 'minute' | 'second' | 'millisecond' | 'microsecond';
/** Timeframes that name a position inside a period (or a fiscal period): not a date on their own. */
type CyclicTimeframe =
  | 'time_of_day' | 'hour_of_day' | 'day_of_week' | 'day_of_week_index' | 'day_of_month' | 'day_of_year'
  | 'week_of_year' | 'month_num' | 'month_name' | 'quarter_of_year' | 'fiscal_month_num'
  | 'fiscal_quarter' | 'fiscal_quarter_of_year' | 'fiscal_year';

export type LookerTimeframe = PeriodTimeframe | InstantTimeframe | CyclicTimeframe;
export type Granularity = 'day' | 'week' | 'month' | 'quarter' | 'year';
export type SkipReason = 'missing_date' | 'unparseable_date' | 'null_value' | 'not_a_number' | 'formatted_number';

export interface ParseOptions {
  /** Fully qualified field name, e.g. `orders.created_date`. */
  dateField: string;
  /** Fully qualified field name, e.g. `orders.total_revenue`. */
  valueField: string;
  /** The row limit the run asked for; a result with exactly that many rows may be cut off. */
  limit?: number;
  /** From field metadata (see `inferTimeframe`) when known; otherwise inferred from the values. */
  timeframe?: LookerTimeframe;
}

export interface ParsedDatapoint {
  /** ISO `YYYY-MM-DD`, the first day of the period. */
  date: string;
  /** Exact decimal string, e.g. `1088.5`: never a float that rounding could change. */
  value: string;
}

export interface ParseResult {
  /** Sorted by date, one per date. */
  datapoints: ParsedDatapoint[];
  rowsRead: number;
  skipped: Record<SkipReason, number>;
  /** Rows that repeated an earlier row's date with the same value (collapsed into one datapoint). */
  duplicateDates: number;
  possiblyTruncated: boolean;
  granularity: Granularity;
}

export type LookResultErrorCode =
  | 'not_a_row_array'
  | 'looker_query_error'
  | 'date_field_missing'
  | 'value_field_missing'
  | 'pivoted_value_field'
  | 'unsupported_timeframe'
  | 'date_unparseable'
  | 'mixed_date_formats'
  | 'value_not_numeric'
  | 'duplicate_dates';

/** The Look's result cannot become datapoints; retrying will not help until the Look or metric changes. */
export class LookResultError extends Error {
  constructor(
    readonly code: LookResultErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'LookResultError';
  }
}

/** Shape of a field in json_detail / json_bi / explore metadata (only what we read). */
export interface LookerFieldMeta {
  name: string;
  label?: string;
  type: string;
  /** 'dimension', 'measure', 'table_calculation', 'filter', 'parameter'… */
  category?: string;
  is_numeric?: boolean;
  is_timeframe?: boolean;
}

/* ------------------------------------------------------------------------------------------------
 * Field metadata
 * ---------------------------------------------------------------------------------------------- */

const TIMEFRAME_GRANULARITY: Record<LookerTimeframe, Granularity | undefined> = {
  date: 'day', week: 'week', month: 'month', quarter: 'quarter', year: 'year',
  raw: 'day', time: 'day', hour: 'day', minute: 'day', second: 'day', millisecond: 'day', microsecond: 'day',
  time_of_day: undefined, hour_of_day: undefined, day_of_week: undefined, day_of_week_index: undefined,
  day_of_month: undefined, day_of_year: undefined, week_of_year: undefined, month_num: undefined,
  month_name: undefined, quarter_of_year: undefined, fiscal_month_num: undefined, fiscal_quarter: undefined,
  fiscal_quarter_of_year: undefined, fiscal_year: undefined,
};

function isLookerTimeframe(name: string): name is LookerTimeframe {
  return Object.hasOwn(TIMEFRAME_GRANULARITY, name);
}

/**
 * Maps a Looker field type to its timeframe: `date_date` → `date`, `date_week` → `week`,
 * `date_time` → `time`, `date_hour6` → `hour`, a plain `date` dimension → `date`.
 * Non-time types (`yesno`, `string`, `number`, `count`…) and unknown `date_*` types → undefined.
 */
export function inferTimeframe(type: string): LookerTimeframe | undefined {
  const normalised = type.trim().toLowerCase();
  if (normalised === 'date') return 'date';
  if (!normalised.startsWith('date_')) return undefined;
  const name = normalised.slice('date_'.length).replace(/\d+$/, ''); // hour6, minute15 → hour, minute
  return isLookerTimeframe(name) ? name : undefined;
}

/** Measure types whose result is a number; used when metadata lacks `is_numeric` (json_bi). */
const NUMERIC_TYPES = new Set([
  'number', 'count', 'count_distinct', 'sum', 'sum_distinct', 'average', 'average_distinct',
  'median', 'median_distinct', 'percentile', 'percentile_distinct', 'max', 'min',
  'running_total', 'percent_of_total', 'percent_of_previous',
]);

/** Preference order for the date field: day granularity first, then coarser periods, instants last. */
const DATE_FIELD_PREFERENCE: (Granularity | 'instant')[] = ['day', 'week', 'month', 'quarter', 'year', 'instant'];

/**
 * Suggests a date field (a date dimension, day granularity first) and a value field (a numeric
 * measure; failing that, another numeric field such as a table calculation). Ties go to the
 * field listed first, i.e. the Look's column order.
 */
export function suggestFields(fields: readonly LookerFieldMeta[]): { dateField?: string; valueField?: string } {
  const dateField = minBy(fields, dateFieldRank)?.name;
  const candidates = fields.filter((field) => field.name !== dateField && isNumericField(field));
  const valueField = (candidates.find((field) => field.category === 'measure') ?? candidates[0])?.name;
  return { dateField, valueField };
}

function dateFieldRank(field: LookerFieldMeta): number | undefined {
  if (field.category === 'measure') return undefined;
  const timeframe = inferTimeframe(field.type);
  if (timeframe === undefined) return undefined;
  const granularity = TIMEFRAME_GRANULARITY[timeframe];
  if (granularity === undefined) return undefined;
  // Instants also map to days, but several rows per day are likely: rank them after every period.
  return DATE_FIELD_PREFERENCE.indexOf(granularity === 'day' && timeframe !== 'date' ? 'instant' : granularity);
}

function isNumericField(field: LookerFieldMeta): boolean {
  if (inferTimeframe(field.type) !== undefined) return false;
  return field.is_numeric ?? NUMERIC_TYPES.has(field.type);
}

function minBy<T>(items: readonly T[], rank: (item: T) => number | undefined): T | undefined {
  let best: { item: T; rank: number } | undefined;
  for (const item of items) {
    const value = rank(item);
    if (value !== undefined && (best === undefined || value < best.rank)) best = { item, rank: value };
  }
  return best?.item;
}

/* ------------------------------------------------------------------------------------------------
 * Parsing rows
 * ---------------------------------------------------------------------------------------------- */

type Row = Record<string, unknown>;

interface ParsedDate {
  date: string;
  granularity: Granularity;
  /** The value carried a time of day (a datetime field). */
  hadTime: boolean;
}

/** Rows read so far, before duplicates are resolved. */
interface RowTally {
  dated: ParsedDatapoint[];
  skipped: Record<SkipReason, number>;
  granularities: Set<Granularity>;
  hadTime: boolean;
  firstUnparseableDate?: unknown;
}

/**
 * Reads `json` rows (objects keyed by `view.field`; json_detail `{value}` cells work too) into one
 * datapoint per date, sorted by date. Unusable rows are skipped and counted by reason; a result
 * that cannot be a metric at all throws a LookResultError. An empty result is not an error.
 */
export function parseLookRows(rows: unknown, options: ParseOptions): ParseResult {
  const expected = expectedGranularity(options);
  const rowArray = asRowArray(rows);
  if (rowArray.length === 0) return emptyResult(expected ?? 'day');

  const [firstRow] = rowArray as [Row];
  assertFieldsPresent(firstRow, options);

  const tally = tallyRows(rowArray, options, expected);
  assertSomeDateParsed(tally, rowArray.length, options);
  assertSomeValueNumeric(tally, options);
  const granularity = singleGranularity(tally, options, expected);
  const { datapoints, duplicateDates } = oneValuePerDate(tally, options);

  return {
    datapoints,
    rowsRead: rowArray.length,
    skipped: tally.skipped,
    duplicateDates,
    possiblyTruncated: options.limit !== undefined && options.limit > 0 && rowArray.length >= options.limit,
    granularity,
  };
}

function emptyResult(granularity: Granularity): ParseResult {
  return { datapoints: [], rowsRead: 0, skipped: noSkips(), duplicateDates: 0, possiblyTruncated: false, granularity };
}

function noSkips(): Record<SkipReason, number> {
  return { missing_date: 0, unparseable_date: 0, null_value: 0, not_a_number: 0, formatted_number: 0 };
}

function expectedGranularity({ timeframe, dateField }: ParseOptions): Granularity | undefined {
  if (timeframe === undefined) return undefined;
  const granularity = TIMEFRAME_GRANULARITY[timeframe];
  if (granularity !== undefined) return granularity;
  throw new LookResultError(
    'unsupported_timeframe',
    `The date field "${dateField}" is a "${timeframe}" timeframe, which is not a calendar date (it repeats every period, or follows the fiscal calendar). ` +
      'In Looker, use the Date, Week, Month, Quarter or Year timeframe of the same dimension group instead.',
    dateField,
  );
}

function asRowArray(rows: unknown): Row[] {
  if (!Array.isArray(rows)) {
    throw new LookResultError(
      'not_a_row_array',
      `The Look's result is not a list of rows (got ${describeType(rows)}). Run the Look with result format "json" (for json_detail, pass its "data" array).`,
    );
  }
  const badIndex = rows.findIndex((row) => !isPlainObject(row));
  if (badIndex !== -1) {
    throw new LookResultError(
      'not_a_row_array',
      `Row ${badIndex + 1} of the Look's result is ${describeType(rows[badIndex])}, not an object of field values.`,
    );
  }
  const lookerError = (rows[0] as Row | undefined)?.looker_error;
  if (lookerError !== undefined) {
    // Looker answers 200 with [{"looker_error": "…"}] when the database rejects the query.
    throw new LookResultError(
      'looker_query_error',
      `Looker could not run the Look's query: ${truncate(typeof lookerError === 'string' ? lookerError : JSON.stringify(lookerError), 300)}. Open the Look in Looker, fix the error it shows there, and save it.`,
    );
  }
  return rows as Row[];
}

function assertFieldsPresent(row: Row, { dateField, valueField }: ParseOptions): void {
  const present = Object.keys(row);
  if (!present.includes(dateField)) throw missingFieldError('date', dateField, present);
  if (present.includes(valueField)) return;
  // json_bi spells pivoted columns "view.measure|FIELD|<pivot value>".
  const pivotColumns = present.filter((name) => name.startsWith(`${valueField}|FIELD|`));
  if (pivotColumns.length > 0) {
    throw pivotedValueError(valueField, pivotColumns.map((name) => name.slice(`${valueField}|FIELD|`.length)));
  }
  throw missingFieldError('value', valueField, present);
}

function missingFieldError(role: 'date' | 'value', field: string, present: string[]): LookResultError {
  const listed = present.length > 0 ? present.map((name) => `"${name}"`).join(', ') : 'none';
  const pivotHint = role === 'date' ? ' If the field is a pivot in the Look, move it back to the rows.' : '';
  return new LookResultError(
    role === 'date' ? 'date_field_missing' : 'value_field_missing',
    `The Look's results have no field "${field}" (chosen as the ${role} field). The Look's fields are: ${listed}. ` +
      `Choose one of these as the ${role} field, or add "${field}" to the Look in Looker and save it.${pivotHint}`,
    field,
  );
}

function pivotedValueError(field: string, pivotKeys: string[]): LookResultError {
  const examples = pivotKeys.slice(0, 3).map((key) => `"${key}"`).join(', ');
  return new LookResultError(
    'pivoted_value_field',
    `The value field "${field}" is pivoted in this Look (one column per pivot value, e.g. ${examples}), so a row holds several values instead of one. ` +
      'In Looker, remove the pivot from the Look and save it, or choose a value field that is not pivoted.',
    field,
  );
}

function tallyRows(rows: Row[], options: ParseOptions, expected: Granularity | undefined): RowTally {
  const tally: RowTally = { dated: [], skipped: noSkips(), granularities: new Set(), hadTime: false };
  for (const row of rows) {
    const rawDate = cellValue(row[options.dateField]);
    if (isBlank(rawDate)) {
      tally.skipped.missing_date++;
      continue;
    }
    const parsed = parseDate(rawDate, expected);
    if (parsed === undefined) {
      tally.skipped.unparseable_date++;
      tally.firstUnparseableDate ??= rawDate;
      continue;
    }
    tally.granularities.add(parsed.granularity);
    tally.hadTime ||= parsed.hadTime;

    const value = readValue(row[options.valueField], options.valueField);
    if (typeof value === 'object') tally.skipped[value.skip]++;
    else tally.dated.push({ date: parsed.date, value });
  }
  return tally;
}

function assertSomeDateParsed(tally: RowTally, rowCount: number, { dateField }: ParseOptions): void {
  if (tally.granularities.size > 0) return;
  const detail =
    tally.firstUnparseableDate === undefined
      ? `every row has an empty "${dateField}"`
      : `none of its values is a date Looker renders for a date field (e.g. ${truncate(JSON.stringify(tally.firstUnparseableDate), 40)})`;
  throw new LookResultError(
    'date_unparseable',
    `The date field "${dateField}" cannot be read as dates: ${detail} in ${rowCount} row(s). ` +
      'Choose a date dimension (a Date, Week, Month, Quarter or Year timeframe) as the date field.',
    dateField,
  );
}

function assertSomeValueNumeric(tally: RowTally, { valueField }: ParseOptions): void {
  const { not_a_number: notNumbers, formatted_number: formatted } = tally.skipped;
  if (tally.dated.length > 0 || notNumbers + formatted === 0) return;
  const fix =
    formatted > 0
      ? 'Its values are formatted text (currency symbols, thousands separators, %…): run the Look without formatting (apply_formatting=false), or use a numeric field instead of a text one built for display.'
      : 'Choose a numeric measure (a count, sum, average…) as the value field.';
  throw new LookResultError(
    'value_not_numeric',
    `The value field "${valueField}" holds no numbers: ${notNumbers + formatted} value(s) are not numeric. ${fix}`,
    valueField,
  );
}

function singleGranularity(tally: RowTally, { dateField }: ParseOptions, expected: Granularity | undefined): Granularity {
  const [first, ...others] = [...tally.granularities] as [Granularity, ...Granularity[]];
  if (expected !== undefined || others.length === 0) return expected ?? first;
  throw new LookResultError(
    'mixed_date_formats',
    `The date field "${dateField}" mixes date formats (${[first, ...others].join(', ')}), so its periods cannot be told apart. ` +
      'Choose a single timeframe (e.g. the Date or Month of a dimension group) as the date field.',
    dateField,
  );
}

/**
 * A metric has one value per date. Rows repeating a date with the same value collapse (counted in
 * `duplicateDates`); the same date with different values means Looker did not aggregate by the
 * date field alone, and picking or summing one would silently import a wrong number.
 */
function oneValuePerDate(tally: RowTally, options: ParseOptions): { datapoints: ParsedDatapoint[]; duplicateDates: number } {
  // Sorting first puts equal dates side by side: cheaper than a Map on million-row results.
  const sorted = tally.dated.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const datapoints: ParsedDatapoint[] = [];
  const conflictingDates: string[] = [];
  let duplicateDates = 0;
  for (const point of sorted) {
    const previous = datapoints.at(-1);
    if (previous?.date !== point.date) datapoints.push(point);
    else if (previous.value === point.value) duplicateDates++;
    else if (conflictingDates.at(-1) !== point.date) conflictingDates.push(point.date);
  }
  if (conflictingDates.length > 0) throw duplicateDatesError(conflictingDates, tally.hadTime, options);
  return { datapoints, duplicateDates };
}

function duplicateDatesError(dates: string[], hadTime: boolean, { dateField, valueField }: ParseOptions): LookResultError {
  const which = `${dates.length} date(s), e.g. ${dates.slice(0, 3).join(', ')}`;
  const explanation = hadTime
    ? `"${dateField}" holds times, and several rows fall on the same day with different values (${which}). ` +
      'In Looker, use the Date timeframe of the same dimension group instead, so Looker aggregates each day.'
    : `several rows share a date with different values (${which}), so the Look is not aggregated by "${dateField}" alone. ` +
      `In Looker, remove the other dimensions from the Look (keep "${dateField}" and "${valueField}"), or filter them to a single value, and save it.`;
  return new LookResultError('duplicate_dates', `The Look has more than one value per date: ${explanation}`, dateField);
}

/* ------------------------------------------------------------------------------------------------
 * Cells, dates and values
 * ---------------------------------------------------------------------------------------------- */

/** json_detail wraps each cell as `{value, rendered, …}`; json gives the bare value. */
function cellValue(cell: unknown): unknown {
  return isPlainObject(cell) && Object.hasOwn(cell, 'value') ? cell.value : cell;
}

function isBlank(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}

const DATE_OR_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2})(?::(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;
const MONTH = /^(\d{4})-(\d{2})$/;
const QUARTER = /^(\d{4})-Q([1-4])$/;
const YEAR = /^\d{4}$/;

/**
 * Parses one date cell. With a known granularity only that granularity's form is accepted (day and
 * week values are both calendar dates, possibly with a time); without one the form decides.
 */
function parseDate(raw: unknown, expected: Granularity | undefined): ParsedDate | undefined {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : undefined;
  if (text === undefined) return undefined;
  switch (expected) {
    case 'day':
    case 'week':
      return withGranularity(parseCalendarDate(text), expected);
    case 'month':
      return parseMonth(text);
    case 'quarter':
      return parseQuarter(text);
    case 'year':
      return parseYear(text);
    case undefined:
      return parseCalendarDate(text) ?? parseMonth(text) ?? parseQuarter(text) ?? parseYear(text);
  }
}

function withGranularity(parsed: ParsedDate | undefined, granularity: Granularity): ParsedDate | undefined {
  return parsed === undefined ? undefined : { ...parsed, granularity };
}

/**
 * `2019-12-22`, `2014-09-03 17:15:00(.ffffff)`, `2014-09-03 17:15`, `2014-09-03 17`, ISO with `T`
 * and `Z`/offset. A datetime keeps the calendar date it is written with: Looker renders times in
 * the query time zone without an offset, and that local date is the one the Looker user sees.
 */
function parseCalendarDate(text: string): ParsedDate | undefined {
  const match = DATE_OR_DATETIME.exec(text);
  if (match === null) return undefined;
  const [, year, month, day, hour = '00', minute = '00', second = '00'] = match;
  if (!isValidDay(Number(year), Number(month), Number(day))) return undefined;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 60) return undefined;
  return { date: text.slice(0, 10), granularity: 'day', hadTime: match[4] !== undefined };
}

function parseMonth(text: string): ParsedDate | undefined {
  const match = MONTH.exec(text);
  const month = Number(match?.[2]);
  if (match === null || Number(match[1]) < 1 || month < 1 || month > 12) return undefined;
  return { date: isoDate(Number(match[1]), month, 1), granularity: 'month', hadTime: false };
}

function parseQuarter(text: string): ParsedDate | undefined {
  const match = QUARTER.exec(text);
  if (match === null || Number(match[1]) < 1) return undefined;
  const firstMonth = (Number(match[2]) - 1) * 3 + 1;
  return { date: isoDate(Number(match[1]), firstMonth, 1), granularity: 'quarter', hadTime: false };
}

function parseYear(text: string): ParsedDate | undefined {
  if (!YEAR.test(text) || Number(text) < 1000) return undefined;
  return { date: `${text}-01-01`, granularity: 'year', hadTime: false };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isValidDay(year: number, month: number, day: number): boolean {
  // Year 0000 parses as a calendar date but Postgres rejects it: skip the row, not the import.
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const isLeapYear = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && isLeapYear ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0));
}

function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The exact decimal string of a value cell, or why the row is skipped. Throws on a pivoted cell. */
function readValue(cell: unknown, field: string): string | { skip: SkipReason } {
  const value = cellValue(cell);
  if (isPlainObject(value)) {
    // A pivoted measure is an object keyed by pivot value ({"complete": 5} or {"complete": {"value": 5}}),
    // possibly under the pivot field's name first ({"orders.status": {"complete": 5}}).
    const keys = pivotKeys(value);
    if (keys.length === 0) return { skip: 'null_value' };
    throw pivotedValueError(field, keys);
  }
  if (isBlank(value)) return { skip: 'null_value' };
  if (typeof value === 'number') return numberToDecimal(value) ?? { skip: 'not_a_number' };
  if (typeof value !== 'string') return { skip: 'not_a_number' };
  const text = value.trim();
  if (CANONICAL_DECIMAL.test(text)) return text;
  return normaliseDecimal(text) ?? { skip: looksFormatted(text) ? 'formatted_number' : 'not_a_number' };
}

function pivotKeys(cell: Record<string, unknown>): string[] {
  const entries = Object.entries(cell);
  const [only] = entries;
  if (entries.length === 1 && only && isPlainObject(only[1]) && !('value' in only[1])) return Object.keys(only[1]);
  return Object.keys(cell);
}

/** Already in normal form: the fast path for large results. */
const CANONICAL_DECIMAL = /^(?:-?[1-9]\d*|0|-0(?=\.))(?:\.\d*[1-9])?$/;

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i;
/** Beyond this the plain form would be absurdly long; no KPI needs it. */
const MAX_EXPONENT = 1000;

/**
 * Normalises a plain or scientific decimal to its shortest exact plain form with string
 * arithmetic only: `1088.50` → `1088.5`, `1e3` → `1000`, `-0.0` → `0`, `.5` → `0.5`.
 */
function normaliseDecimal(text: string): string | undefined {
  const match = DECIMAL.exec(text);
  if (match === null) return undefined;
  const [, sign, integerDigits = '', fractionDigits = '', exponentText = '0'] = match;
  const exponent = Number(exponentText);
  if ((integerDigits === '' && fractionDigits === '') || Math.abs(exponent) > MAX_EXPONENT) return undefined;

  const digits = integerDigits + fractionDigits;
  const pointAt = integerDigits.length + exponent;
  const padded = pointAt < 0 ? '0'.repeat(-pointAt) + digits : digits.padEnd(pointAt, '0');
  const point = Math.max(pointAt, 0);
  const integer = padded.slice(0, point).replace(/^0+/, '') || '0';
  const fraction = padded.slice(point).replace(/0+$/, '');
  const magnitude = fraction === '' ? integer : `${integer}.${fraction}`;
  return sign === '-' && magnitude !== '0' ? `-${magnitude}` : magnitude;
}

/**
 * JSON numbers arrive as doubles; `String()` gives the shortest text that reads back as the same
 * double, i.e. the digits Looker sent (`116.03`, not `116.0299999…`), possibly in exponent form.
 */
function numberToDecimal(value: number): string | undefined {
  if (!Number.isFinite(value)) return undefined;
  const text = String(value);
  // Without an exponent, JavaScript's number text is already normal (no padding zeros; -0 prints as 0).
  return text.includes('e') ? normaliseDecimal(text) : text;
}

/**
 * Digits dressed the way LookML value formats render them: currency symbols, grouping separators,
 * percent, accounting parentheses, K/M/B suffixes. Such values are skipped, not stripped: `1.234`
 * is a thousand in some locales and one in others, and `12%` may mean 12 or 0.12.
 */
function looksFormatted(text: string): boolean {
  const stripped = text.replace(/[\p{Sc},'\s\u00a0\u202f%‰()]/gu, '').replace(/[KMB]$/i, '');
  return /\d/.test(stripped) && normaliseDecimal(stripped) !== undefined;
}

/* ------------------------------------------------------------------------------------------------
 * Small helpers
 * ---------------------------------------------------------------------------------------------- */

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function truncate(text: string, maxLength: number): string {
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}
