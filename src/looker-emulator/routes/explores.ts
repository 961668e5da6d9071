import { lookmlFieldJson } from '../fields';
import { NOT_FOUND } from '../errors';
import type { RouteDef } from '../router';
import { fail, okJson } from './common';

export const exploreRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/api/4.0/lookml_models/:lookml_model_name/explores/:explore_name',
    auth: true,
    handle(ctx) {
      const found = ctx.env.catalog.explore(ctx.params.lookml_model_name ?? '', ctx.params.explore_name ?? '');
      if (!found) return fail(ctx, 404, NOT_FOUND);
      const { model, explore, fields } = found;
      const all = [...fields.values()];
      const project = model.project_name ?? model.name;
      const label = explore.label ?? explore.name;
      const json = (category: string) =>
        all.filter((f) => f.category === category).map((f) => lookmlFieldJson(f, model, explore));
      return okJson(ctx, {
        id: `${model.name}::${explore.name}`,
        name: explore.name,
        description: explore.description ?? null,
        label,
        title: label,
        scopes: [...new Set(all.map((f) => f.view))],
        can_total: true,
        can_develop: true,
        can_see_lookml: true,
        lookml_link: `/projects/${project}/files/${model.name}.model.lkml`,
        can_save: true,
        can_explain: true,
        can_pivot_in_db: true,
        can_subtotal: true,
        has_timezone_support: true,
        supports_cost_estimate: false,
        connection_name: model.connection_name ?? 'warehouse',
        null_sort_treatment: 'low',
        files: [`${project}/${model.name}.model.lkml`],
        source_file: `${model.name}.model.lkml`,
        project_name: project,
        model_name: model.name,
        view_name: explore.name,
        hidden: false,
        sql_table_name: `public.${explore.name}`,
        access_filter_fields: [],
        access_filters: [],
        aliases: [],
        always_filter: [],
        conditionally_filter: [],
        index_fields: [],
        sets: [],
        tags: [],
        errors: [],
        fields: { dimensions: json('dimension'), measures: json('measure'), filters: [], parameters: [] },
        joins: [],
        group_label: model.label ?? model.name,
        supported_measure_types: [],
        always_join: [],
      });
    },
  },
];
