import type { FieldInfo } from './fields';
import type { CellValue } from './types';

const grouped = (decimals: number | undefined) =>
  new Intl.NumberFormat('en-US', {
    useGrouping: true,
    minimumFractionDigits: decimals ?? 0,
    maximumFractionDigits: decimals ?? 10,
  });

const defaultFormat = grouped(undefined);

/** LookML named formats the seeds use; anything else falls back to Looker's plain grouping. */
function formatNumber(n: number, formatName: string | null): string {
  const fixed = /^(decimal|usd|percent)_(\d)$/.exec(formatName ?? '');
  switch (formatName) {
    case 'usd':
      return `${n < 0 ? '-' : ''}$${grouped(2).format(Math.abs(n))}`;
    case 'id':
      return String(n);
    case 'percent':
      return `${grouped(0).format(n * 100)}%`;
    default:
      if (fixed) {
        const [, kind, digits] = fixed;
        const d = Number(digits);
        if (kind === 'usd') return `${n < 0 ? '-' : ''}$${grouped(d).format(Math.abs(n))}`;
        if (kind === 'percent') return `${grouped(d).format(n * 100)}%`;
        return grouped(d).format(n);
      }
      return defaultFormat.format(n);
  }
}

/**
 * The rendered form of a value (`apply_formatting=true`, json_detail `rendered`), or undefined when
 * Looker would not render it differently (dates and strings already are their rendered form).
 */
export function renderValue(field: FieldInfo, value: CellValue): string | undefined {
  if (value === null) return undefined;
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (field.timeframe || !field.isNumeric) return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) return undefined;
  return formatNumber(n, field.valueFormatName);
}

/** Whether json_detail shows `rendered` even without apply_formatting (the field has a format). */
export function hasExplicitFormat(field: FieldInfo): boolean {
  return field.valueFormatName !== null || field.valueFormat !== null;
}
