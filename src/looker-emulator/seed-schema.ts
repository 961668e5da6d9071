import * as z from 'zod';

const timeframeTypes = ['date_date', 'date_week', 'date_month', 'date_quarter', 'date_year', 'date_time'] as const;
const measureTypes = ['count', 'count_distinct', 'sum', 'average', 'min', 'max', 'median'] as const;
const plainTypes = ['string', 'number', 'yesno'] as const;

export const fieldTypes = [...timeframeTypes, ...measureTypes, ...plainTypes] as const;
export type SeedFieldType = (typeof fieldTypes)[number];

export function isTimeframeType(type: string): boolean {
  return (timeframeTypes as readonly string[]).includes(type);
}

export function isMeasureType(type: string): boolean {
  return (measureTypes as readonly string[]).includes(type);
}

const idString = z.string().regex(/^[A-Za-z0-9_-]+$/, 'ids are strings of letters, digits, - and _');
const lookmlName = z.string().regex(/^[a-z_][a-z0-9_]*$/, 'LookML names are lower_snake_case');
const fieldName = z.string().regex(/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/, 'field names are view.field');
const isoDateTime = z.iso.datetime({ offset: true });

const seedField = z.object({
  name: fieldName,
  type: z.enum(fieldTypes),
  /** Only needed for `number` measures; inferred otherwise. */
  category: z.enum(['dimension', 'measure']).optional(),
  label: z.string().optional(),
  label_short: z.string().optional(),
  view_label: z.string().optional(),
  description: z.string().nullable().optional(),
  value_format_name: z.string().nullable().optional(),
  value_format: z.string().nullable().optional(),
  hidden: z.boolean().optional(),
});

const seedExplore = z.object({
  name: lookmlName,
  label: z.string().optional(),
  description: z.string().nullable().optional(),
  fields: z.array(seedField).min(1),
});

const seedModel = z.object({
  name: lookmlName,
  label: z.string().optional(),
  project_name: z.string().optional(),
  connection_name: z.string().optional(),
  explores: z.array(seedExplore).min(1),
});

const wave = z.object({
  amplitude: z.number(),
  period: z.number().positive(),
  phase: z.number().optional(),
});

/** value(t) = clamp(base + trend*t + Σ waves + jitter(t)), t = periods since 2020-01-01. */
const formula = z.object({
  base: z.number(),
  trend: z.number().optional(),
  waves: z.array(wave).optional(),
  jitter: z.number().nonnegative().optional(),
  decimals: z.number().int().min(0).max(6).optional(),
  min: z.number().optional(),
  nullEvery: z.number().int().min(2).optional(),
  asString: z.boolean().optional(),
});

const generator = z.object({
  dateField: fieldName,
  end: z.union([z.literal('today'), z.literal('yesterday'), z.iso.date(), isoDateTime]),
  periods: z.number().int().min(0).max(1_000_000),
  stepMinutes: z.number().int().positive().optional(),
  split: z
    .object({
      field: fieldName,
      values: z.array(z.string()).min(1),
      weights: z.array(z.number()).optional(),
    })
    .optional(),
  measures: z.record(fieldName, formula),
});

export const cellValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const rowSchema = z.record(z.string(), cellValueSchema);

const seedLook = z.object({
  id: idString,
  title: z.string().min(1),
  description: z.string().nullable().default(null),
  folder_id: idString,
  user_id: idString.optional(),
  model: lookmlName,
  explore: lookmlName,
  fields: z.array(fieldName).min(1),
  pivots: z.array(fieldName).default([]),
  fill_fields: z.array(fieldName).default([]),
  filters: z.record(z.string(), z.string()).default({}),
  sorts: z.array(z.string()).default([]),
  /** Saved query limit, a string as in Looker ("-1" = unlimited). */
  limit: z.string().regex(/^-?\d+$/).default('500'),
  query_id: idString.optional(),
  vis_config: z.record(z.string(), z.unknown()).optional(),
  created_at: isoDateTime.optional(),
  updated_at: isoDateTime.optional(),
  view_count: z.number().int().nonnegative().default(0),
  favorite_count: z.number().int().nonnegative().default(0),
  deleted: z.boolean().default(false),
  deleted_at: isoDateTime.nullable().optional(),
  data: z
    .object({ generator: generator.optional(), rows: z.array(rowSchema).optional() })
    .refine((d) => d.generator !== undefined || d.rows !== undefined, 'data needs a generator, rows, or both'),
});

const seedFolder = z.object({ id: idString, name: z.string().min(1), parent_id: idString.nullable().default(null) });

const seedUser = z.object({
  id: idString,
  first_name: z.string(),
  last_name: z.string(),
  email: z.string(),
  locale: z.string().default('en'),
});

const seedObject = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  user: seedUser,
  folders: z.array(seedFolder).min(1),
  models: z.array(seedModel).min(1),
  looks: z.array(seedLook),
});

export type EmulatorSeed = z.output<typeof seedObject>;
/** A seed as written in a file (defaults not yet applied). */
export type EmulatorSeedInput = z.input<typeof seedObject>;
export const seedSchema = seedObject.superRefine(checkReferences);
export type SeedLook = EmulatorSeed['looks'][number];
export type SeedModel = EmulatorSeed['models'][number];
export type SeedExplore = SeedModel['explores'][number];
export type SeedField = SeedExplore['fields'][number];
export type SeedGenerator = NonNullable<SeedLook['data']['generator']>;
export type SeedFormula = SeedGenerator['measures'][string];

export function fieldCategory(field: SeedField): 'dimension' | 'measure' {
  return field.category ?? (isMeasureType(field.type) ? 'measure' : 'dimension');
}

/** Cross-references zod cannot express: every name a Look uses must exist where it points. */
function checkReferences(seed: EmulatorSeed, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const folderIds = new Set(seed.folders.map((f) => f.id));
  const lookIds = new Set<string>();
  seed.looks.forEach((look, i) => {
    const at = (...rest: (string | number)[]) => ['looks', i, ...rest];
    if (lookIds.has(look.id)) issue(at('id'), `duplicate look id ${look.id}`);
    lookIds.add(look.id);
    if (!folderIds.has(look.folder_id)) issue(at('folder_id'), `unknown folder ${look.folder_id}`);
    const explore = seed.models.find((m) => m.name === look.model)?.explores.find((e) => e.name === look.explore);
    if (!explore) return issue(at('explore'), `unknown explore ${look.model}::${look.explore}`);
    const byName = new Map(explore.fields.map((f) => [f.name, f]));
    look.fields.forEach((name, j) => {
      if (!byName.has(name)) issue(at('fields', j), `${name} is not a field of ${look.model}::${look.explore}`);
    });
    const inLook = new Set(look.fields);
    look.pivots.forEach((name, j) => {
      if (!inLook.has(name)) issue(at('pivots', j), `pivot ${name} must be one of the look's fields`);
    });
    look.sorts.forEach((sort, j) => {
      const name = sort.trim().split(/\s+/)[0] ?? '';
      if (sort !== '__UNSORTED__' && !inLook.has(name)) issue(at('sorts', j), `sort field ${name} is not in the look`);
    });
    const gen = look.data.generator;
    if (gen) {
      const dateField = byName.get(gen.dateField);
      if (!inLook.has(gen.dateField) || !dateField || !isTimeframeType(dateField.type)) {
        issue(at('data', 'generator', 'dateField'), `${gen.dateField} must be a timeframe field of the look`);
      }
      for (const name of Object.keys(gen.measures)) {
        const f = byName.get(name);
        if (!inLook.has(name) || !f || fieldCategory(f) !== 'measure') {
          issue(at('data', 'generator', 'measures', name), `${name} must be a measure of the look`);
        }
      }
      if (gen.split && !inLook.has(gen.split.field)) {
        issue(at('data', 'generator', 'split', 'field'), `${gen.split.field} must be a field of the look`);
      }
      if (gen.split?.weights && gen.split.weights.length !== gen.split.values.length) {
        issue(at('data', 'generator', 'split', 'weights'), 'weights must match values one to one');
      }
    }
    look.data.rows?.forEach((row, j) => {
      for (const key of Object.keys(row)) {
        if (!inLook.has(key)) issue(at('data', 'rows', j, key), `${key} is not a field of the look`);
      }
    });
  });
}
