import { streamReply, JSON_CONTENT_TYPE, type Reply } from '../reply';
import { PIVOT_KEY_SEPARATOR, type ResultTable } from '../result-table';
import { rowChunks } from './chunks';
import { columnFields, outputValue, rowObject } from './cell-values';

/**
 * `json`: an array of rows keyed by field name. A pivoted measure becomes
 * {"<pivot field(s)>": {"<pivot key>": value}}, e.g. "orders.count": {"orders.status": {"complete": 3}}.
 */
export function jsonResult(table: ResultTable, applyFormatting: boolean): Reply {
  const fields = columnFields(table);
  const pivotName = table.pivotFields.map((p) => p.name).join(PIVOT_KEY_SEPARATOR);
  const render = (i: number) =>
    JSON.stringify(
      rowObject(table, fields, i, (f, value) => outputValue(f, value, applyFormatting), (byKey) => ({ [pivotName]: byKey })),
    );
  return streamReply(200, JSON_CONTENT_TYPE, (function* () {
    yield '[';
    yield* rowChunks(table.size, render, ',');
    yield ']';
  })());
}
