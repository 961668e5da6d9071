import { streamReply, JSON_CONTENT_TYPE, type Reply } from '../reply';
import { PIVOT_KEY_SEPARATOR, type ResultTable } from '../result-table';
import type { CellValue } from '../types';
import { rowChunks } from './chunks';
import { columnFields, outputValue } from './cell-values';

/**
 * `json`: an array of rows keyed by field name. A pivoted measure becomes
 * {"<pivot field(s)>": {"<pivot key>": value}}, e.g. "orders.count": {"orders.status": {"complete": 3}}.
 */
export function jsonResult(table: ResultTable, applyFormatting: boolean): Reply {
  const fields = columnFields(table);
  const pivotName = table.pivotFields.map((p) => p.name).join(PIVOT_KEY_SEPARATOR);
  const render = (i: number) => {
    const row = table.at(i);
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      const byPivot = row.pivotCells?.[f.name];
      if (byPivot) {
        const nested: Record<string, CellValue> = {};
        for (const p of table.pivots) nested[p.key] = outputValue(f, byPivot[p.key], applyFormatting);
        out[f.name] = { [pivotName]: nested };
      } else {
        out[f.name] = outputValue(f, row.cells[f.name], applyFormatting);
      }
    }
    return JSON.stringify(out);
  };
  return streamReply(200, JSON_CONTENT_TYPE, (function* () {
    yield '[';
    yield* rowChunks(table.size, render, ',');
    yield ']';
  })());
}
