import { describe, expect, it } from 'vitest';
import {
  inferTimeframe,
  LookResultError,
  parseLookRows,
  suggestFields,
  type LookerFieldMeta,
  type LookerTimeframe,
  type ParseOptions,
  type SkipReason,
} from '../../src/looker/parse-look-result';

const DATE = 'orders.created_date';
const VALUE = 'orders.count';
const fields: ParseOptions = { dateField: DATE, valueField: VALUE };

/** A json-format result: one row per [date, value] pair. */
const rowsOf = (...pairs: [unknown, unknown][]) => pairs.map(([date, value]) => ({ [DATE]: date, [VALUE]: value }));

const parse = (rows: unknown, options: Partial<ParseOptions> = {}) => parseLookRows(rows, { ...fields, ...options });

/** Runs the parse expecting a LookResultError and returns it. */
const failure = (rows: unknown, options: Partial<ParseOptions> = {}): LookResultError => {
  try {
    parse(rows, options);
  } catch (error) {
    if (error instanceof LookResultError) return error;
    throw error;
  }
  throw new Error('expected parseLookRows to throw a LookResultError');
};

const noSkips: Record<SkipReason, number> = {
  missing_date: 0,
  unparseable_date: 0,
  null_value: 0,
  not_a_number: 0,
  formatted_number: 0,
};

describe('parseLookRows: dates per timeframe', () => {
  it.each<[string, LookerTimeframe | undefined, unknown, string, string]>([
    ['date', 'date', '2019-12-22', '2019-12-22', 'day'],
    ['date, timeframe unknown', undefined, '2019-12-22', '2019-12-22', 'day'],
    ['date, json_detail cell', 'date', { value: '2019-12-22' }, '2019-12-22', 'day'],
    ['week (its first day)', 'week', '2022-05-16', '2022-05-16', 'week'],
    ['month', 'month', '2017-07', '2017-07-01', 'month'],
    ['month, timeframe unknown', undefined, '2017-07', '2017-07-01', 'month'],
    ['quarter Q1', 'quarter', '2014-Q1', '2014-01-01', 'quarter'],
    ['quarter Q3', 'quarter', '2014-Q3', '2014-07-01', 'quarter'],
    ['quarter Q4, timeframe unknown', undefined, '2014-Q4', '2014-10-01', 'quarter'],
    ['year as a number', 'year', 2014, '2014-01-01', 'year'],
    ['year as a string', 'year', '2014', '2014-01-01', 'year'],
    ['year, timeframe unknown', undefined, 2014, '2014-01-01', 'year'],
    ['time with seconds', 'time', '2014-09-03 17:15:00', '2014-09-03', 'day'],
    ['time with fractional seconds', 'time', '2014-09-03 17:15:00.123456', '2014-09-03', 'day'],
    ['minute', 'minute', '2014-09-03 17:15', '2014-09-03', 'day'],
    ['hour', 'hour', '2014-09-03 17', '2014-09-03', 'day'],
    ['ISO with T and Z', 'time', '2014-09-03T17:15:00Z', '2014-09-03', 'day'],
    ['ISO with an offset keeps the written date', 'time', '2014-09-03T23:30:00-07:00', '2014-09-03', 'day'],
    ['ISO with a compact offset', 'raw', '2014-09-03T00:30:00+0200', '2014-09-03', 'day'],
    ['time, timeframe unknown', undefined, '2014-09-03 17:15:00', '2014-09-03', 'day'],
    ['leap day', 'date', '2020-02-29', '2020-02-29', 'day'],
  ])('%s: %j → %s', (_case, timeframe, date, expectedDate, granularity) => {
    const result = parse(rowsOf([date, 5]), { timeframe });
    expect(result.datapoints).toEqual([{ date: expectedDate, value: '5' }]);
    expect(result.granularity).toBe(granularity);
    expect(result.skipped).toEqual(noSkips);
  });

  it.each<[LookerTimeframe | undefined, unknown, unknown]>([
    [undefined, '2019-02-29', '2019-03-01'],
    [undefined, '2019-13-01', '2019-03-01'],
    [undefined, '2019-00-10', '2019-03-01'],
    [undefined, '22/12/2019', '2019-03-01'],
    [undefined, 'Wednesday', '2019-03-01'],
    [undefined, '2014-09-03 24:00', '2019-03-01'],
    [undefined, '2014-09-03 17:60', '2019-03-01'],
    [undefined, true, '2019-03-01'],
    [undefined, ['2019-12-22'], '2019-03-01'],
    [undefined, '2014-Q5', '2014-Q1'],
    [undefined, '2017-13', '2017-12'],
    [undefined, 999, 2014],
    [undefined, 2014.5, 2014],
    ['date', '2017-07', '2017-07-01'],
    ['week', '2022-W20', '2022-05-16'],
    ['month', '2017-07-01', '2017-07'],
    ['quarter', '2014-07', '2014-Q3'],
    ['year', '2014-01-01', 2014],
    // Year 0000 is a date Postgres rejects: storing it would fail the whole import on every retry.
    [undefined, '0000-01-01', '2019-03-01'],
    ['time', '0000-01-01 10:00:00', '2019-03-01 10:00:00'],
    ['month', '0000-07', '2017-07'],
    ['quarter', '0000-Q1', '2014-Q1'],
  ])('timeframe %s: %j is counted as unparseable_date', (timeframe, badDate, goodDate) => {
    const result = parse(rowsOf([badDate, 1], [goodDate, 2]), { timeframe });
    expect(result.skipped).toEqual({ ...noSkips, unparseable_date: 1 });
    expect(result.datapoints).toHaveLength(1);
  });

  it.each([null, undefined, '', '  ', { value: null }])('a %j date is counted as missing_date', (date) => {
    const result = parse(rowsOf([date, 1], ['2020-01-01', 2]));
    expect(result.skipped).toEqual({ ...noSkips, missing_date: 1 });
    expect(result.datapoints).toEqual([{ date: '2020-01-01', value: '2' }]);
  });
});

describe('parseLookRows: values', () => {
  it.each<[unknown, string]>([
    [39, '39'],
    [116.03, '116.03'],
    [0.1, '0.1'],
    [-3.5, '-3.5'],
    [-0, '0'],
    [1e21, '1000000000000000000000'],
    [1.5e-7, '0.00000015'],
    ['1088', '1088'],
    ['1088.50', '1088.5'],
    ['-3.5', '-3.5'],
    ['+3', '3'],
    ['007', '7'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['-0.00', '0'],
    ['-0', '0'],
    ['-0.5', '-0.5'],
    ['100', '100'],
    [' 42 ', '42'],
    ['1e3', '1000'],
    ['1.25E-2', '0.0125'],
    ['-4.2e+1', '-42'],
    ['12345678901234567890.123456789', '12345678901234567890.123456789'],
    [{ value: 116.031, rendered: '$116.03' }, '116.031'],
    [{ value: '1088.50' }, '1088.5'],
  ])('%j → %j', (value, expected) => {
    const result = parse(rowsOf(['2020-01-01', value]));
    expect(result.datapoints).toEqual([{ date: '2020-01-01', value: expected }]);
  });

  it.each<[unknown, SkipReason]>([
    [null, 'null_value'],
    [undefined, 'null_value'],
    ['', 'null_value'],
    [{ value: null, rendered: '∅' }, 'null_value'],
    [{}, 'null_value'],
    ['n/a', 'not_a_number'],
    [true, 'not_a_number'],
    [false, 'not_a_number'],
    ['NaN', 'not_a_number'],
    ['Infinity', 'not_a_number'],
    ['0x10', 'not_a_number'],
    ['1e', 'not_a_number'],
    ['e3', 'not_a_number'],
    ['1.2.3', 'not_a_number'],
    ['--1', 'not_a_number'],
    ['1e1001', 'not_a_number'],
    [[1], 'not_a_number'],
    ['1,088', 'formatted_number'],
    ['$116.03', 'formatted_number'],
    ['-$5', 'formatted_number'],
    ['12%', 'formatted_number'],
    ['€1.234,56', 'formatted_number'],
    ['(3.50)', 'formatted_number'],
    ['1.2K', 'formatted_number'],
    ['1 088', 'formatted_number'],
    [{ value: '1,088', rendered: '1,088' }, 'formatted_number'],
  ])('%j is skipped as %s', (value, reason) => {
    const result = parse(rowsOf(['2020-01-01', value], ['2020-01-02', 7]));
    expect(result.skipped).toEqual({ ...noSkips, [reason]: 1 });
    expect(result.datapoints).toEqual([{ date: '2020-01-02', value: '7' }]);
  });

  it('counts a later row lacking the value key as null_value (the first row defines the fields)', () => {
    const result = parse([{ [DATE]: '2020-01-02', [VALUE]: 3 }, { [DATE]: '2020-01-01' }]);
    expect(result.skipped.null_value).toBe(1);
  });

  it('gives each row one skip reason, the date first', () => {
    const result = parse(rowsOf([null, null], ['nope', 'n/a'], ['2020-01-01', 1]));
    expect(result.skipped).toEqual({ ...noSkips, missing_date: 1, unparseable_date: 1 });
  });
});

describe('parseLookRows: result as a whole', () => {
  it('returns zero datapoints, not an error, for an empty result', () => {
    expect(parse([])).toEqual({
      datapoints: [],
      rowsRead: 0,
      skipped: noSkips,
      duplicateDates: 0,
      possiblyTruncated: false,
      granularity: 'day',
    });
    expect(parse([], { timeframe: 'month' }).granularity).toBe('month');
  });

  it('sorts datapoints by date whatever the Look sorts by', () => {
    const result = parse(rowsOf(['2020-01-03', 3], ['2020-01-01', 1], ['2019-12-31', 0], ['2020-01-02', 2]));
    expect(result.datapoints.map((point) => point.date)).toEqual(['2019-12-31', '2020-01-01', '2020-01-02', '2020-01-03']);
    expect(result.rowsRead).toBe(4);
  });

  it('reads json_detail rows (cells wrapped as {value, rendered})', () => {
    const result = parse([
      { [DATE]: { value: '2020-01-01' }, [VALUE]: { value: 1088.5, rendered: '1,088.50' } },
      { [DATE]: { value: '2020-01-02' }, [VALUE]: { value: null } },
    ]);
    expect(result.datapoints).toEqual([{ date: '2020-01-01', value: '1088.5' }]);
    expect(result.skipped.null_value).toBe(1);
  });

  it('ignores other fields in the rows', () => {
    const result = parse([{ [DATE]: '2020-01-01', [VALUE]: 1, 'orders.status': 'complete', 'orders.total': 9.5 }]);
    expect(result.datapoints).toEqual([{ date: '2020-01-01', value: '1' }]);
  });

  it.each<[number | undefined, number, boolean]>([
    [3, 3, true],
    [5, 3, false],
    [undefined, 3, false],
    [-1, 3, false],
    [3, 0, false],
  ])('with limit %j and %i rows, possiblyTruncated is %s', (limit, rowCount, expected) => {
    const rows = rowsOf(...Array.from({ length: rowCount }, (_, i): [string, number] => [`2020-01-0${i + 1}`, i]));
    expect(parse(rows, { limit }).possiblyTruncated).toBe(expected);
  });

  it('counts skipped rows towards rowsRead and truncation', () => {
    const result = parse(rowsOf(['2020-01-01', null], ['2020-01-02', 2]), { limit: 2 });
    expect(result).toMatchObject({ rowsRead: 2, possiblyTruncated: true, datapoints: [{ date: '2020-01-02', value: '2' }] });
  });

  it('collapses rows repeating a date with the same value and counts them', () => {
    const result = parse(rowsOf(['2020-01-01', 5], ['2020-01-01', '5.0'], ['2020-01-02', 6], ['2020-01-01', 5]));
    expect(result.datapoints).toEqual([
      { date: '2020-01-01', value: '5' },
      { date: '2020-01-02', value: '6' },
    ]);
    expect(result.duplicateDates).toBe(2);
  });

  it('keeps all-null values as zero datapoints without an error', () => {
    const result = parse(rowsOf(['2020-01-01', null], ['2020-01-02', null]));
    expect(result.datapoints).toEqual([]);
    expect(result.skipped.null_value).toBe(2);
  });
});

describe('parseLookRows: errors a Looker user can act on', () => {
  it.each([
    [{}, /not a list of rows \(got an object\).*"json"/],
    [null, /got null/],
    ['[]', /got a string/],
    [[{ [DATE]: '2020-01-01', [VALUE]: 1 }, 42], /Row 2 .* a number, not an object/],
    [[['2020-01-01', 1]], /Row 1 .* a list/],
  ])('rejects %j as not_a_row_array', (rows, message) => {
    const error = failure(rows);
    expect(error.code).toBe('not_a_row_array');
    expect(error.message).toMatch(message);
  });

  it('reports a query error Looker returned inside the rows', () => {
    const error = failure([{ looker_error: 'Table "orders" was not found' }]);
    expect(error.code).toBe('looker_query_error');
    expect(error.message).toContain('Table "orders" was not found');
    expect(error.message).toContain('Open the Look in Looker');
  });

  it('names a missing date field and lists the fields the Look has', () => {
    const error = failure([{ 'orders.created_month': '2020-01', [VALUE]: 1 }]);
    expect(error).toMatchObject({ code: 'date_field_missing', field: DATE });
    expect(error.message).toContain(`no field "${DATE}" (chosen as the date field)`);
    expect(error.message).toContain('"orders.created_month", "orders.count"');
    expect(error.message).toContain('add "orders.created_date" to the Look');
  });

  it('names a missing value field and lists the fields the Look has', () => {
    const error = failure([{ [DATE]: '2020-01-01', 'orders.total_revenue': 1 }]);
    expect(error).toMatchObject({ code: 'value_field_missing', field: VALUE });
    expect(error.message).toContain('"orders.created_date", "orders.total_revenue"');
  });

  it.each([
    ['json', { complete: 5, cancelled: 1 }],
    ['json with null pivot cells', { complete: null, cancelled: null }],
    ['json_detail', { complete: { value: 5 }, cancelled: { value: null } }],
    ['json nested under the pivot field', { 'orders.status': { complete: 5, cancelled: 1 } }],
  ])('rejects a pivoted value field (%s)', (_format, cell) => {
    const error = failure(rowsOf(['2020-01-01', cell]));
    expect(error).toMatchObject({ code: 'pivoted_value_field', field: VALUE });
    expect(error.message).toContain('"complete", "cancelled"');
    expect(error.message).toContain('remove the pivot');
  });

  it('rejects a pivoted value field in json_bi column naming', () => {
    const error = failure([{ [DATE]: '2020-01-01', [`${VALUE}|FIELD|complete`]: { value: 5 } }]);
    expect(error).toMatchObject({ code: 'pivoted_value_field', field: VALUE });
    expect(error.message).toContain('"complete"');
  });

  it.each<LookerTimeframe>(['day_of_week', 'month_name', 'quarter_of_year', 'fiscal_quarter', 'hour_of_day'])(
    'rejects the %s timeframe, which is not a calendar date',
    (timeframe) => {
      const error = failure(rowsOf(['Monday', 1]), { timeframe });
      expect(error).toMatchObject({ code: 'unsupported_timeframe', field: DATE });
      expect(error.message).toContain(`"${timeframe}" timeframe`);
      expect(error.message).toContain('Date, Week, Month, Quarter or Year');
    },
  );

  it('fails when no row has a parseable date, quoting an example', () => {
    const error = failure(rowsOf(['Yes', 1], ['No', 2]));
    expect(error).toMatchObject({ code: 'date_unparseable', field: DATE });
    expect(error.message).toContain('"Yes"');
    expect(error.message).toContain('in 2 row(s)');
  });

  it('fails when every date is empty', () => {
    const error = failure(rowsOf([null, 1], ['', 2]));
    expect(error.code).toBe('date_unparseable');
    expect(error.message).toContain(`every row has an empty "${DATE}"`);
  });

  it('fails when no value is numeric, without quoting values', () => {
    const error = failure(rowsOf(['2020-01-01', 'secret-ish'], ['2020-01-02', null]));
    expect(error).toMatchObject({ code: 'value_not_numeric', field: VALUE });
    expect(error.message).toContain('Choose a numeric measure');
    expect(error.message).not.toContain('secret-ish');
  });

  it('fails when every value is formatted, pointing at apply_formatting=false', () => {
    const error = failure(rowsOf(['2020-01-01', '$1,088.00'], ['2020-01-02', '$5.00']));
    expect(error.code).toBe('value_not_numeric');
    expect(error.message).toContain('apply_formatting=false');
    expect(error.message).not.toContain('1,088');
  });

  it('fails when the Look has several values for one date, naming dates not values', () => {
    const error = failure(rowsOf(['2020-01-02', 5], ['2020-01-01', 5], ['2020-01-02', 7], ['2020-01-01', 6]));
    expect(error).toMatchObject({ code: 'duplicate_dates', field: DATE });
    expect(error.message).toContain('2 date(s), e.g. 2020-01-01, 2020-01-02');
    expect(error.message).toContain('remove the other dimensions');
    expect(error.message).not.toMatch(/\b[567]\b/);
  });

  it('suggests the Date timeframe when a time field has several rows per day', () => {
    const error = failure(rowsOf(['2020-01-01 08:00:00', 5], ['2020-01-01 17:00:00', 7]), { timeframe: 'time' });
    expect(error.code).toBe('duplicate_dates');
    expect(error.message).toContain('holds times');
    expect(error.message).toContain('Date timeframe');
  });

  it('fails when dates mix periods and no timeframe says which is meant', () => {
    const error = failure(rowsOf(['2020-01', 1], ['2020-02-01', 2]));
    expect(error).toMatchObject({ code: 'mixed_date_formats', field: DATE });
    expect(error.message).toContain('month, day');
  });
});

describe('inferTimeframe', () => {
  it.each<[string, LookerTimeframe | undefined]>([
    ['date_date', 'date'],
    ['date', 'date'],
    ['date_week', 'week'],
    ['date_month', 'month'],
    ['date_quarter', 'quarter'],
    ['date_year', 'year'],
    ['date_time', 'time'],
    ['date_raw', 'raw'],
    ['date_hour', 'hour'],
    ['date_hour6', 'hour'],
    ['date_minute15', 'minute'],
    ['date_second', 'second'],
    ['date_millisecond', 'millisecond'],
    ['DATE_DATE', 'date'],
    ['date_day_of_week', 'day_of_week'],
    ['date_day_of_week_index', 'day_of_week_index'],
    ['date_month_name', 'month_name'],
    ['date_quarter_of_year', 'quarter_of_year'],
    ['date_fiscal_quarter', 'fiscal_quarter'],
    ['date_time_of_day', 'time_of_day'],
    ['date_something_new', undefined],
    ['yesno', undefined],
    ['string', undefined],
    ['number', undefined],
    ['count', undefined],
    ['datetime', undefined],
  ])('%s → %s', (type, expected) => {
    expect(inferTimeframe(type)).toBe(expected);
  });
});

describe('suggestFields', () => {
  const field = (name: string, type: string, category: string, extra: Partial<LookerFieldMeta> = {}): LookerFieldMeta => ({
    name,
    type,
    category,
    ...extra,
  });

  it.each<[string, LookerFieldMeta[], { dateField?: string; valueField?: string }]>([
    [
      'prefers the day timeframe and a numeric measure',
      [
        field('orders.status', 'string', 'dimension'),
        field('orders.created_month', 'date_month', 'dimension', { is_timeframe: true }),
        field('orders.created_date', 'date_date', 'dimension', { is_timeframe: true }),
        field('orders.id', 'number', 'dimension', { is_numeric: true }),
        field('orders.count', 'count', 'measure', { is_numeric: true }),
      ],
      { dateField: 'orders.created_date', valueField: 'orders.count' },
    ],
    [
      'prefers a coarser period over a time',
      [
        field('orders.created_time', 'date_time', 'dimension'),
        field('orders.created_week', 'date_week', 'dimension'),
        field('orders.total', 'sum', 'measure'),
      ],
      { dateField: 'orders.created_week', valueField: 'orders.total' },
    ],
    [
      'takes a time when nothing else is a date',
      [field('orders.created_time', 'date_time', 'dimension'), field('orders.count', 'count', 'measure')],
      { dateField: 'orders.created_time', valueField: 'orders.count' },
    ],
    [
      'keeps the first of equally good fields (Look column order)',
      [
        field('orders.shipped_date', 'date_date', 'dimension'),
        field('orders.created_date', 'date_date', 'dimension'),
        field('orders.revenue', 'sum', 'measure'),
        field('orders.count', 'count', 'measure'),
      ],
      { dateField: 'orders.shipped_date', valueField: 'orders.revenue' },
    ],
    [
      'skips non-numeric measures (is_numeric false wins over the type)',
      [
        field('orders.created_date', 'date_date', 'dimension'),
        field('orders.last_status', 'max', 'measure', { is_numeric: false }),
        field('orders.statuses', 'list', 'measure'),
        field('orders.average_amount', 'average', 'measure'),
      ],
      { dateField: 'orders.created_date', valueField: 'orders.average_amount' },
    ],
    [
      'falls back to a numeric table calculation or dimension when there is no numeric measure',
      [
        field('orders.created_date', 'date_date', 'dimension'),
        field('running_total', 'number', 'table_calculation', { is_numeric: true }),
      ],
      { dateField: 'orders.created_date', valueField: 'running_total' },
    ],
    [
      'ignores cyclic timeframes and yesno dimensions as dates',
      [
        field('orders.created_day_of_week', 'date_day_of_week', 'dimension'),
        field('orders.is_returned', 'yesno', 'dimension'),
        field('orders.count', 'count', 'measure'),
      ],
      { valueField: 'orders.count' },
    ],
    [
      'never suggests a date as the value (date-typed measures are not numbers)',
      [field('orders.created_date', 'date_date', 'dimension'), field('orders.first_order', 'date', 'measure')],
      { dateField: 'orders.created_date' },
    ],
    ['returns nothing for no fields', [], {}],
  ])('%s', (_case, metadata, expected) => {
    const suggestion = suggestFields(metadata);
    expect(suggestion.dateField).toBe(expected.dateField);
    expect(suggestion.valueField).toBe(expected.valueField);
  });
});
