import type { FieldInfo } from '../fields';
import type { ResultTable } from '../result-table';

function expression(f: FieldInfo): string {
  const column = `${f.view}.${f.name.split('.')[1] ?? ''}`;
  if (f.timeframe) {
    const source = `${f.dimensionGroup ?? column}_at`;
    const unit = { day: 'day', week: 'week', month: 'month', quarter: 'quarter', year: 'year', time: 'second' }[f.timeframe];
    return `DATE_TRUNC('${unit}', ${source})`;
  }
  switch (f.type) {
    case 'count':
      return 'COUNT(*)';
    case 'count_distinct':
      return `COUNT(DISTINCT ${column})`;
    case 'sum':
    case 'average':
    case 'min':
    case 'max':
    case 'median':
      return `${f.type === 'average' ? 'AVG' : f.type.toUpperCase()}(${column})`;
    default:
      return column;
  }
}

/** Plausible generated SQL for a Look (format `sql`, and json_detail's `sql`); never executed. */
export function lookSql(table: ResultTable, limit: number): string {
  const fields = table.look.fields;
  const dims = fields.filter((f) => f.category === 'dimension');
  const select = fields.map((f) => `    ${expression(f)} AS "${f.name}"`).join(',\n');
  const groupBy = dims.length > 0 ? `\nGROUP BY\n    ${dims.map((_, i) => i + 1).join(',\n    ')}` : '';
  const orderBy =
    table.sorts.length > 0
      ? `\nORDER BY\n    ${table.sorts.map((s) => `${fields.findIndex((f) => f.name === s.field) + 1}${s.desc ? ' DESC' : ''}`).join(',\n    ')}`
      : '';
  const rowLimit = limit < 0 ? '' : `\nFETCH NEXT ${limit} ROWS ONLY`;
  return `SELECT\n${select}\nFROM public.${table.look.seed.explore} AS ${table.look.seed.explore}${groupBy}${orderBy}${rowLimit}`;
}
