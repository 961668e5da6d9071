import { streamReply, type Reply } from '../reply';
import type { ResultTable } from '../result-table';
import type { CellValue } from '../types';
import { rowChunks } from './chunks';
import { columnFields, outputValue } from './cell-values';

type Escape = (text: string) => string;

const csvEscape: Escape = (t) => (/[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t);
const tsvEscape: Escape = (t) => t.replace(/[\t\r\n]+/g, ' ');

const text = (v: CellValue) => (v === null ? '' : String(v));

/**
 * `csv` (comma, RFC 4180 quoting) and `txt` (tab-separated): a header of field labels, then rows.
 * Pivoted Looks get a first header line with the pivot values over their measure columns.
 */
export function delimitedResult(table: ResultTable, format: 'csv' | 'txt', applyFormatting: boolean): Reply {
  const sep = format === 'csv' ? ',' : '\t';
  const escape = format === 'csv' ? csvEscape : tsvEscape;
  const line = (cells: string[]) => cells.map(escape).join(sep);
  const fields = columnFields(table);
  const dims = fields.filter((f) => f.category === 'dimension');
  const measures = fields.filter((f) => f.category === 'measure');
  const pivoted = table.pivotFields.length > 0;
  const header: string[] = [];
  if (pivoted) {
    const pivotLabel = table.pivotFields.map((p) => p.label).join(' | ');
    const top = dims.map((_, i) => (i === dims.length - 1 ? pivotLabel : ''));
    for (const p of table.pivots) for (let m = 0; m < measures.length; m++) top.push(p.key);
    header.push(line(top));
    header.push(line([...dims.map((d) => d.label), ...table.pivots.flatMap(() => measures.map((m) => m.label))]));
  } else {
    header.push(line(fields.map((f) => f.label)));
  }
  const render = (i: number) => {
    const row = table.at(i);
    if (!pivoted) return line(fields.map((f) => text(outputValue(f, row.cells[f.name], applyFormatting))));
    const cells = dims.map((d) => text(outputValue(d, row.cells[d.name], applyFormatting)));
    for (const p of table.pivots) {
      for (const m of measures) cells.push(text(outputValue(m, row.pivotCells?.[m.name]?.[p.key], applyFormatting)));
    }
    return line(cells);
  };
  const contentType = format === 'csv' ? 'text/csv; charset=utf-8' : 'text/plain; charset=utf-8';
  return streamReply(200, contentType, (function* () {
    yield header.join('\n') + '\n';
    for (const chunk of rowChunks(table.size, render, '\n')) yield chunk;
    if (table.size > 0) yield '\n';
  })());
}
