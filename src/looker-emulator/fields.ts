import { fieldCategory, isTimeframeType, type SeedExplore, type SeedField, type SeedModel } from './seed-schema';
import { timeInterval, timeframeOf } from './timeframes';
import type { Timeframe } from './types';

/** What the emulator needs to know about a field to shape and format results. */
export interface FieldInfo {
  name: string;
  type: string;
  view: string;
  category: 'dimension' | 'measure';
  timeframe: Timeframe | undefined;
  isNumeric: boolean;
  label: string;
  labelShort: string;
  viewLabel: string;
  dimensionGroup: string | null;
  groupLabel: string | null;
  groupVariant: string | null;
  valueFormatName: string | null;
  valueFormat: string | null;
  seed: SeedField;
}

const numericTypes = new Set(['number', 'count', 'count_distinct', 'sum', 'average', 'min', 'max', 'median']);

const titleCase = (s: string) =>
  s
    .split('_')
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');

export function fieldInfo(field: SeedField): FieldInfo {
  const [view = '', local = ''] = field.name.split('.');
  const timeframe = timeframeOf(field.type);
  const viewLabel = field.view_label ?? titleCase(view);
  const labelShort = field.label_short ?? titleCase(local);
  let dimensionGroup: string | null = null;
  let groupLabel: string | null = null;
  let groupVariant: string | null = null;
  if (timeframe && isTimeframeType(field.type)) {
    const suffix = field.type.replace(/^date_/, '');
    const group = local.endsWith(`_${suffix}`) ? local.slice(0, -suffix.length - 1) : local;
    dimensionGroup = `${view}.${group}`;
    groupLabel = `${titleCase(group)} Date`;
    groupVariant = titleCase(suffix);
  }
  return {
    name: field.name,
    type: field.type,
    view,
    category: fieldCategory(field),
    timeframe,
    isNumeric: numericTypes.has(field.type),
    label: field.label ?? `${viewLabel} ${labelShort}`,
    labelShort,
    viewLabel,
    dimensionGroup,
    groupLabel,
    groupVariant,
    valueFormatName: field.value_format_name ?? null,
    valueFormat: field.value_format ?? null,
    seed: field,
  };
}

/** A LookmlModelExploreField (explore metadata and the base of json_detail field entries). */
export function lookmlFieldJson(info: FieldInfo, model: SeedModel, explore: SeedExplore): Record<string, unknown> {
  const project = model.project_name ?? model.name;
  const measure = info.category === 'measure';
  return {
    align: measure || info.isNumeric ? 'right' : 'left',
    can_filter: true,
    category: info.category,
    default_filter_value: null,
    description: info.seed.description ?? null,
    dimension_group: info.dimensionGroup,
    enumerations: null,
    error: null,
    field_group_label: info.groupLabel,
    field_group_variant: info.groupVariant ?? (info.category === 'measure' ? info.labelShort : null),
    fill_style: info.timeframe ? 'range' : null,
    fiscal_month_offset: 0,
    has_allowed_values: false,
    hidden: info.seed.hidden ?? false,
    is_filter: false,
    is_fiscal: false,
    is_numeric: info.isNumeric,
    is_timeframe: info.timeframe !== undefined,
    can_time_filter: info.timeframe !== undefined,
    time_interval: info.timeframe ? timeInterval(info.timeframe) : null,
    label: info.label,
    label_from_parameter: null,
    label_short: info.labelShort,
    lookml_link: `/projects/${project}/files/views%2F${info.view}.view.lkml`,
    map_layer: null,
    measure,
    name: info.name,
    strict_value_format: false,
    parameter: false,
    permanent: null,
    primary_key: false,
    project_name: project,
    requires_refresh_on_sort: false,
    scope: info.view,
    sortable: true,
    source_file: `views/${info.view}.view.lkml`,
    source_file_path: `${project}/views/${info.view}.view.lkml`,
    sql: null,
    sql_case: null,
    filters: null,
    suggest_dimension: info.name,
    suggest_explore: explore.name,
    suggestable: info.category === 'dimension' && info.type === 'string',
    suggestions: null,
    synonyms: [],
    tags: [],
    type: info.type,
    user_attribute_filter_types: userAttributeFilterTypes(info),
    value_format: info.valueFormat,
    value_format_name: info.valueFormatName,
    view: info.view,
    view_label: info.viewLabel,
    dynamic: false,
    week_start_day: 'monday',
    times_used: 0,
    original_view: info.view,
  };
}

function userAttributeFilterTypes(info: FieldInfo): string[] {
  if (info.timeframe) return ['datetime', 'advanced_filter_datetime'];
  if (info.isNumeric) return ['number', 'advanced_filter_number'];
  return ['string', 'advanced_filter_string'];
}
