import type { FieldInfo } from '../fields';
import type { ResultTable } from '../result-table';
import type { CellValue } from '../types';
import { renderValue } from '../value-format';

/** json/csv value of a cell: raw, or Looker's formatted string with apply_formatting. */
export function outputValue(field: FieldInfo, value: CellValue | undefined, applyFormatting: boolean): CellValue {
  const v = value ?? null;
  return applyFormatting ? (renderValue(field, v) ?? v) : v;
}

/** The Look's fields in query order, minus pivot fields (which become column keys). */
export function columnFields(table: ResultTable): FieldInfo[] {
  const pivots = new Set(table.pivotFields.map((p) => p.name));
  return table.look.fields.filter((f) => !pivots.has(f.name));
}

/**
 * Row `i` as a JSON object keyed by field name: `cellOf` renders a plain cell, `pivoted` wraps the
 * cells of a pivoted measure (already keyed by pivot key) the way the format nests them.
 */
export function rowObject<C>(
  table: ResultTable,
  fields: readonly FieldInfo[],
  i: number,
  cellOf: (field: FieldInfo, value: CellValue | undefined) => C,
  pivoted: (byKey: Record<string, C>) => unknown,
): Record<string, unknown> {
  const row = table.at(i);
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const byPivot = row.pivotCells?.[f.name];
    if (byPivot) {
      const nested: Record<string, C> = {};
      for (const p of table.pivots) nested[p.key] = cellOf(f, byPivot[p.key]);
      out[f.name] = pivoted(nested);
    } else {
      out[f.name] = cellOf(f, row.cells[f.name]);
    }
  }
  return out;
}
