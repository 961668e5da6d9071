import type { Catalog, CatalogExplore } from './catalog';
import type { FieldInfo } from './fields';
import { rowSchema, type EmulatorSeed, type SeedLook } from './seed-schema';
import type { Row } from './types';

export interface LookState {
  seed: SeedLook;
  explore: CatalogExplore;
  /** The Look's query fields in query order. */
  fields: FieldInfo[];
  deleted: boolean;
  deletedAtMs: number | null;
  /** Set by control: replaces the seed data (generator and rows). */
  replacedRows: Row[] | null;
  /** Set by control: added after the seed (or replaced) rows. */
  appendedRows: Row[];
}

/** Raised for bad control input; the control endpoint answers 400/404 with its message. */
export class ControlInputError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 = 400,
  ) {
    super(message);
  }
}

/** Seeded Looks plus the runtime changes tests make (new rows, soft delete). */
export class LookStore {
  private looks = new Map<string, LookState>();

  constructor(
    private readonly seed: EmulatorSeed,
    private readonly catalog: Catalog,
  ) {
    this.reset();
  }

  reset(): void {
    this.looks = new Map(this.seed.looks.map((look) => [look.id, this.initialState(look)]));
  }

  list(): LookState[] {
    return [...this.looks.values()];
  }

  get(id: string): LookState | undefined {
    return this.looks.get(id);
  }

  replaceRows(id: string, rows: unknown): void {
    const look = this.require(id);
    look.replacedRows = this.validRows(look, rows);
    look.appendedRows = [];
  }

  appendRows(id: string, rows: unknown): void {
    const look = this.require(id);
    look.appendedRows.push(...this.validRows(look, rows));
  }

  softDelete(id: string, nowMs: number): void {
    const look = this.require(id);
    look.deleted = true;
    look.deletedAtMs = nowMs;
  }

  restore(id: string): void {
    const look = this.require(id);
    look.deleted = false;
    look.deletedAtMs = null;
  }

  private require(id: string): LookState {
    const look = this.looks.get(id);
    if (!look) throw new ControlInputError(`no look with id ${id} in the seed`, 404);
    return look;
  }

  private validRows(look: LookState, rows: unknown): Row[] {
    const parsed = rowSchema.array().safeParse(rows);
    if (!parsed.success) throw new ControlInputError('rows must be an array of objects of string, number, boolean or null');
    const known = new Set(look.seed.fields);
    for (const row of parsed.data) {
      const unknown = Object.keys(row).find((k) => !known.has(k));
      if (unknown) throw new ControlInputError(`${unknown} is not a field of look ${look.seed.id}`);
    }
    return parsed.data;
  }

  private initialState(look: SeedLook): LookState {
    const explore = this.catalog.explore(look.model, look.explore);
    // The seed schema already checked every reference; this guards against a hand-built seed.
    if (!explore) throw new Error(`look ${look.id}: unknown explore ${look.model}::${look.explore}`);
    const fields = look.fields.map((name) => {
      const info = explore.fields.get(name);
      if (!info) throw new Error(`look ${look.id}: unknown field ${name}`);
      return info;
    });
    return {
      seed: look,
      explore,
      fields,
      deleted: look.deleted,
      deletedAtMs: look.deleted ? Date.parse(look.deleted_at ?? look.updated_at ?? '2024-01-01T00:00:00Z') : null,
      replacedRows: null,
      appendedRows: [],
    };
  }
}
