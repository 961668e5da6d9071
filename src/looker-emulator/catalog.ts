import { fieldInfo, type FieldInfo } from './fields';
import type { EmulatorSeed, SeedExplore, SeedModel } from './seed-schema';

export interface CatalogExplore {
  model: SeedModel;
  explore: SeedExplore;
  fields: Map<string, FieldInfo>;
}

/** LookML models and explores of a seed, with field metadata derived once. */
export class Catalog {
  private readonly explores = new Map<string, CatalogExplore>();

  constructor(seed: EmulatorSeed) {
    for (const model of seed.models) {
      for (const explore of model.explores) {
        const fields = new Map(explore.fields.map((f) => [f.name, fieldInfo(f)]));
        this.explores.set(`${model.name}::${explore.name}`, { model, explore, fields });
      }
    }
  }

  explore(model: string, explore: string): CatalogExplore | undefined {
    return this.explores.get(`${model}::${explore}`);
  }
}
