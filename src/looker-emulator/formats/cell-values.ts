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
