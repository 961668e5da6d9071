import type { FieldInfo } from './fields';
import type { LookState } from './look-store';
import { arrayRows, concatRows, generatedRows, type RowSet } from './row-generator';
import type { CellValue, Row } from './types';

export interface PivotEntry {
  key: string;
  data: Record<string, CellValue>;
  sort_values: Record<string, CellValue>;
  is_total: boolean;
}

/** One result row. Pivoted Looks carry their measures per pivot key in `pivotCells`. */
export interface ResultRow {
  cells: Row;
  pivotCells?: Record<string, Record<string, CellValue>>;
}

export interface SortSpec {
  field: string;
  desc: boolean;
}

/** A Look's query result, ordered and limited, ready for any format serializer. */
export interface ResultTable {
  look: LookState;
  dimensions: FieldInfo[];
  measures: FieldInfo[];
  pivotFields: FieldInfo[];
  pivots: PivotEntry[];
  sorts: SortSpec[];
  /** Sorts Looker added because the query had none (reported in json_detail `added_params`). */
  addedSorts: string[] | null;
  size: number;
  at(index: number): ResultRow;
}

/** Joins multi-field pivot values the way Looker keys pivot columns. */
export const PIVOT_KEY_SEPARATOR = '|FIELD|';

export function buildResultTable(look: LookState, now: Date, limit: number): ResultTable {
  const pivotNames = new Set(look.seed.pivots);
  const pivotFields = look.fields.filter((f) => pivotNames.has(f.name));
  const dimensions = look.fields.filter((f) => f.category === 'dimension' && !pivotNames.has(f.name));
  const measures = look.fields.filter((f) => f.category === 'measure');
  const { sorts, addedSorts } = effectiveSorts(look, dimensions, measures);
  const base = { look, dimensions, measures, pivotFields, sorts, addedSorts };
  const cap = (n: number) => (limit < 0 ? n : Math.min(n, limit));

  const fast = generatorView(look, now, sorts);
  if (fast && pivotFields.length === 0) {
    return { ...base, pivots: [], size: cap(fast.size), at: (i) => ({ cells: fast.at(i) }) };
  }
  const rows = sortRows(materialize(sourceRows(look, now)), sorts, look.fields);
  if (pivotFields.length === 0) {
    return { ...base, pivots: [], size: cap(rows.length), at: (i) => ({ cells: rows[i] ?? {} }) };
  }
  const pivoted = pivot(rows, dimensions, measures, pivotFields, sorts);
  return { ...base, pivots: pivoted.pivots, size: cap(pivoted.rows.length), at: (i) => pivoted.rows[i] ?? { cells: {} } };
}

function sourceRows(look: LookState, now: Date): RowSet {
  const appended = arrayRows(look.appendedRows);
  if (look.replacedRows) return concatRows([arrayRows(look.replacedRows), appended]);
  const sets: RowSet[] = [];
  const gen = look.seed.data.generator;
  const tf = gen ? look.explore.fields.get(gen.dateField)?.timeframe : undefined;
  if (gen && tf) sets.push(generatedRows(gen, tf, now));
  if (look.seed.data.rows) sets.push(arrayRows(look.seed.data.rows));
  sets.push(appended);
  return concatRows(sets);
}

/** Generated-only Looks sorted by their date field are served by index, never materialized. */
function generatorView(look: LookState, now: Date, sorts: SortSpec[]): RowSet | undefined {
  const gen = look.seed.data.generator;
  const tf = gen ? look.explore.fields.get(gen.dateField)?.timeframe : undefined;
  if (!gen || !tf || look.replacedRows || look.appendedRows.length > 0 || look.seed.data.rows) return undefined;
  const sort = sorts[0];
  if (sorts.length > 1 || (sort && sort.field !== gen.dateField)) return undefined;
  const rows = generatedRows(gen, tf, now);
  if (!sort?.desc) return rows;
  const perPeriod = gen.split?.values.length ?? 1;
  const periods = rows.size / perPeriod;
  return {
    size: rows.size,
    at: (i) => rows.at((periods - 1 - Math.floor(i / perPeriod)) * perPeriod + (i % perPeriod)),
  };
}

function effectiveSorts(
  look: LookState,
  dimensions: FieldInfo[],
  measures: FieldInfo[],
): { sorts: SortSpec[]; addedSorts: string[] | null } {
  const saved = look.seed.sorts;
  if (saved.includes('__UNSORTED__')) return { sorts: [], addedSorts: null };
  if (saved.length > 0) return { sorts: saved.map(parseSort), addedSorts: null };
  // Looker's default: newest first on the first time dimension, else the first measure descending.
  const first = dimensions.find((d) => d.timeframe) ?? measures[0] ?? dimensions[0];
  if (!first) return { sorts: [], addedSorts: null };
  return { sorts: [{ field: first.name, desc: true }], addedSorts: [`${first.name} desc`] };
}

function parseSort(sort: string): SortSpec {
  const [field = '', direction = ''] = sort.trim().split(/\s+/);
  return { field, desc: direction.toLowerCase() === 'desc' };
}

function materialize(set: RowSet): Row[] {
  const rows = new Array<Row>(set.size);
  for (let i = 0; i < set.size; i++) rows[i] = set.at(i);
  return rows;
}

/** Looker's null_sort_treatment "low": null sorts below every value. */
export function compareCells(a: CellValue | undefined, b: CellValue | undefined, numeric: boolean): number {
  const x = a ?? null;
  const y = b ?? null;
  if (x === null || y === null) return x === y ? 0 : x === null ? -1 : 1;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  if (numeric && Number.isFinite(Number(x)) && Number.isFinite(Number(y))) return Number(x) - Number(y);
  const sx = String(x);
  const sy = String(y);
  return sx < sy ? -1 : sx > sy ? 1 : 0;
}

function sortRows(rows: Row[], sorts: SortSpec[], fields: FieldInfo[]): Row[] {
  if (sorts.length === 0) return rows;
  const numeric = new Map(fields.map((f) => [f.name, f.isNumeric]));
  return rows.sort((a, b) => {
    for (const s of sorts) {
      const c = compareCells(a[s.field], b[s.field], numeric.get(s.field) ?? false);
      if (c !== 0) return s.desc ? -c : c;
    }
    return 0;
  });
}

function pivot(
  rows: Row[],
  dimensions: FieldInfo[],
  measures: FieldInfo[],
  pivotFields: FieldInfo[],
  sorts: SortSpec[],
): { rows: ResultRow[]; pivots: PivotEntry[] } {
  const entries = new Map<string, PivotEntry>();
  const groups = new Map<string, { cells: Row; byPivot: Map<string, Row> }>();
  for (const row of rows) {
    const data = Object.fromEntries(pivotFields.map((p) => [p.name, row[p.name] ?? null]));
    const key = pivotFields.map((p) => pivotKeyPart(row[p.name])).join(PIVOT_KEY_SEPARATOR);
    if (!entries.has(key)) entries.set(key, { key, data, sort_values: { ...data }, is_total: false });
    const groupKey = JSON.stringify(dimensions.map((d) => row[d.name] ?? null));
    let group = groups.get(groupKey);
    if (!group) {
      group = { cells: Object.fromEntries(dimensions.map((d) => [d.name, row[d.name] ?? null])), byPivot: new Map() };
      groups.set(groupKey, group);
    }
    if (!group.byPivot.has(key)) group.byPivot.set(key, row);
  }
  const pivots = [...entries.values()].sort((a, b) => {
    for (const p of pivotFields) {
      const desc = sorts.find((s) => s.field === p.name)?.desc ?? false;
      const c = compareCells(a.data[p.name], b.data[p.name], p.isNumeric);
      if (c !== 0) return desc ? -c : c;
    }
    return 0;
  });
  const result = [...groups.values()].map((group): ResultRow => {
    const pivotCells: Record<string, Record<string, CellValue>> = {};
    for (const m of measures) {
      pivotCells[m.name] = Object.fromEntries(pivots.map((p) => [p.key, group.byPivot.get(p.key)?.[m.name] ?? null]));
    }
    return { cells: group.cells, pivotCells };
  });
  return { rows: result, pivots };
}

function pivotKeyPart(value: CellValue | undefined): string {
  return value === null || value === undefined ? '∅' : String(value);
}
