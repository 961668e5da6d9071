import { createHash } from 'node:crypto';
import { lookmlFieldJson, type FieldInfo } from '../fields';
import { streamReply, JSON_CONTENT_TYPE, type Reply } from '../reply';
import type { ResultTable } from '../result-table';
import { lookerDateTime } from '../timeframes';
import type { CellValue } from '../types';
import { hasExplicitFormat, renderValue } from '../value-format';
import { rowChunks } from './chunks';
import { columnFields, rowObject } from './cell-values';
import { lookSql } from './sql';

interface Cell {
  value: CellValue;
  rendered?: string;
}

function cell(field: FieldInfo, value: CellValue | undefined, applyFormatting: boolean): Cell {
  const v = value ?? null;
  const rendered = applyFormatting || hasExplicitFormat(field) ? renderValue(field, v) : undefined;
  return rendered === undefined ? { value: v } : { value: v, rendered };
}

function fieldEntry(table: ResultTable, f: FieldInfo): Record<string, unknown> {
  const entry = lookmlFieldJson(f, table.look.explore.model, table.look.explore.explore);
  const sortIndex = table.sorts.findIndex((s) => s.field === f.name);
  if (sortIndex >= 0) entry.sorted = { sort_index: sortIndex, desc: table.sorts[sortIndex]?.desc ?? false };
  return entry;
}

/** Everything json_detail carries besides `data` (keys as in Looker's own example response). */
function header(table: ResultTable, now: Date, limit: number, ranMs: number): Record<string, unknown> {
  const look = table.look;
  const sql = lookSql(table, limit);
  const applied = Object.fromEntries(
    Object.entries(look.seed.filters).map(([name, value]) => {
      const info = look.explore.fields.get(name);
      return [name, { field: info ? fieldEntry(table, info) : { name }, value }];
    }),
  );
  const head: Record<string, unknown> = {
    status: 'complete',
    from_cache: false,
    id: createHash('md5').update(`${look.seed.id}:${now.getTime()}`).digest('hex'),
    result_source: 'query',
    supports_pivot_in_db: true,
    null_sort_treatment: 'low',
    expired: false,
    ran_at: lookerDateTime(now.getTime(), false),
    runtime: (ranMs / 1000).toFixed(3),
    added_params: table.addedSorts ? { sorts: table.addedSorts } : {},
    sql,
    sql_explain: `EXPLAIN ${sql}`,
    fields: {
      measures: table.measures.map((f) => fieldEntry(table, f)),
      dimensions: table.dimensions.map((f) => fieldEntry(table, f)),
      table_calculations: [],
      pivots: table.pivotFields.map((f) => fieldEntry(table, f)),
    },
    fill_fields: [...look.seed.fill_fields],
    has_totals: false,
    has_row_totals: false,
    has_subtotals: false,
    applied_filters: applied,
    applied_filter_expression: null,
    explore: {
      name: look.explore.explore.name,
      label: look.explore.explore.label ?? look.explore.explore.name,
      description: look.explore.explore.description ?? null,
    },
    timezone: 'UTC',
    number_format: '1,234.56',
    drill_menu_build_time: 0.0,
    aggregate_table_used_info: null,
    forecast_result: null,
  };
  // Looker's unpivoted example has no `pivots` key; pivoted results list their columns here.
  if (table.pivotFields.length > 0) head.pivots = table.pivots;
  return head;
}

/** `json_detail`: result metadata plus `data` rows of {value, rendered?} cells, pivots nested by key. */
export function jsonDetailResult(table: ResultTable, options: { applyFormatting: boolean; now: Date; limit: number; startedMs: number }): Reply {
  const head = JSON.stringify(header(table, options.now, options.limit, Date.now() - options.startedMs));
  const fields = columnFields(table);
  const render = (i: number) =>
    JSON.stringify(rowObject(table, fields, i, (f, value) => cell(f, value, options.applyFormatting), (byKey) => byKey));
  return streamReply(200, JSON_CONTENT_TYPE, (function* () {
    yield `${head.slice(0, -1)},"data":[`;
    yield* rowChunks(table.size, render, ',');
    yield ']}';
  })());
}
