import { createHash } from 'node:crypto';
import type { LookState } from './look-store';
import type { EmulatorSeed } from './seed-schema';
import { lookerDateTime } from './timeframes';

export interface LookContext {
  seed: EmulatorSeed;
  /** Web server URL used in share/embed links. */
  webUrl: string;
}

const DEFAULT_CREATED_AT = '2024-01-15T09:30:00.000+00:00';

const stamp = (iso: string | undefined) => (iso ? lookerDateTime(Date.parse(iso)) : DEFAULT_CREATED_AT);

/** A stable pseudo-random token (Looker slugs/client ids look random but never change). */
function slug(kind: string, id: string, length: number): string {
  return createHash('sha256').update(`${kind}:${id}`).digest('base64url').replace(/[-_]/g, 'x').slice(0, length);
}

export function queryId(look: LookState): string {
  const id = look.seed.id;
  return look.seed.query_id ?? (/^\d+$/.test(id) ? String(Number(id) + 1000) : `${id}-query`);
}

function folderJson(ctx: LookContext, folderId: string): Record<string, unknown> {
  const folder = ctx.seed.folders.find((f) => f.id === folderId);
  return {
    can: { index: true, show: true, create: true, see_admin_spaces: false, update: true, destroy: true, move_content: true, edit_content: true },
    child_count: ctx.seed.folders.filter((f) => f.parent_id === folderId).length,
    content_metadata_id: folderId,
    created_at: DEFAULT_CREATED_AT,
    creator_id: ctx.seed.user.id,
    external_id: null,
    id: folderId,
    is_embed: false,
    is_embed_shared_root: false,
    is_embed_users_root: false,
    is_personal: false,
    is_personal_descendant: false,
    is_shared_root: folder?.parent_id === null && folder.name === 'Shared',
    is_users_root: false,
    name: folder?.name ?? folderId,
    parent_id: folder?.parent_id ?? null,
  };
}

/** The abbreviated `Look` (all_looks, search_looks). */
export function lookJson(look: LookState, ctx: LookContext): Record<string, unknown> {
  const s = look.seed;
  const user = ctx.seed.user;
  const ownerId = s.user_id ?? user.id;
  return {
    can: { download: true, run: true, show: true, copy: true, update: true, destroy: true, move: true, index: true, see_lookml: true, render: true, schedule: true, explore: true },
    certification_metadata: null,
    content_metadata_id: s.id,
    id: s.id,
    title: s.title,
    user_id: ownerId,
    content_favorite_id: null,
    created_at: stamp(s.created_at),
    deleted: look.deleted,
    deleted_at: look.deletedAtMs === null ? null : lookerDateTime(look.deletedAtMs),
    deleter_id: look.deleted ? user.id : null,
    description: s.description,
    embed_url: `${ctx.webUrl}/embed/looks/${s.id}`,
    excel_file_url: `${ctx.webUrl}/looks/${s.id}.xlsx`,
    favorite_count: s.favorite_count,
    google_spreadsheet_formula: null,
    image_embed_url: `${ctx.webUrl}/looks/${s.id}.png`,
    is_owner_disabled: false,
    is_run_on_load: false,
    last_accessed_at: stamp(s.updated_at ?? s.created_at),
    last_updater_id: ownerId,
    last_viewed_at: stamp(s.updated_at ?? s.created_at),
    model: { id: s.model, label: look.explore.model.label ?? s.model },
    public: false,
    public_slug: null,
    public_url: null,
    query_id: queryId(look),
    short_url: `/x/${slug('short', s.id, 22)}`,
    folder: folderJson(ctx, s.folder_id),
    folder_id: s.folder_id,
    updated_at: stamp(s.updated_at ?? s.created_at),
    user_name: ownerId === user.id ? `${user.first_name} ${user.last_name}` : null,
    view_count: s.view_count,
    usage_count: s.view_count,
  };
}

/** `LookWithQuery` (GET /looks/{id}): the Look plus its saved query and url. */
export function lookWithQueryJson(look: LookState, ctx: LookContext): Record<string, unknown> {
  const s = look.seed;
  const id = queryId(look);
  const querySlug = slug('query', s.id, 7);
  const clientId = slug('client', s.id, 22);
  const exploreUrl = `/explore/${s.model}/${s.explore}?qid=${clientId}`;
  return {
    ...lookJson(look, ctx),
    query: {
      can: { run: true, see_results: true, explore: true, create: true, show: true, send_to_s3: true, send_to_sftp: true, send_to_integration: true },
      id,
      model: s.model,
      view: s.explore,
      fields: [...s.fields],
      pivots: s.pivots.length > 0 ? [...s.pivots] : null,
      fill_fields: s.fill_fields.length > 0 ? [...s.fill_fields] : null,
      filters: Object.keys(s.filters).length > 0 ? { ...s.filters } : null,
      filter_expression: null,
      sorts: [...s.sorts],
      limit: s.limit,
      column_limit: null,
      total: false,
      row_total: null,
      subtotals: null,
      vis_config: s.vis_config ?? { type: 'looker_line' },
      filter_config: null,
      visible_ui_sections: null,
      slug: querySlug,
      dynamic_fields: null,
      client_id: clientId,
      share_url: `${ctx.webUrl}/x/${querySlug}`,
      expanded_share_url: `${ctx.webUrl}${exploreUrl}`,
      url: exploreUrl,
      query_timezone: null,
      has_table_calculations: false,
    },
    url: `/looks/${s.id}`,
  };
}
