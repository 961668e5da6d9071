import type { RouteDef } from '../router';
import { LOOKER_RELEASE } from './meta';
import { okJson } from './common';

export const userRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/api/4.0/user',
    auth: true,
    handle(ctx) {
      const u = ctx.env.seed.user;
      const base = ctx.env.baseUrl();
      const folder = ctx.env.seed.folders[0]?.id ?? '1';
      return okJson(ctx, {
        can: { show: true, index: true, show_details: true, index_details: true, sudo: false },
        avatar_url: `https://gravatar.lookercdn.com/avatar/${u.id}?s=156&d=blank`,
        avatar_url_without_sizing: `https://gravatar.lookercdn.com/avatar/${u.id}?d=blank`,
        credentials_api3: [
          { can: {}, id: '1', client_id: ctx.env.credentials.clientId, created_at: '2024-01-15T09:30:00.000+00:00', is_disabled: false, type: 'api3', url: `${base}/api/4.0/users/${u.id}/credentials_api3/1` },
        ],
        credentials_email: null,
        credentials_embed: [],
        credentials_google: null,
        credentials_ldap: null,
        credentials_looker_openid: null,
        credentials_oidc: null,
        credentials_saml: null,
        credentials_totp: null,
        display_name: u.first_name && u.last_name ? `${u.first_name} ${u.last_name}` : null,
        email: u.email,
        embed_group_space_id: null,
        embed_group_folder_id: null,
        first_name: u.first_name,
        group_ids: ['1'],
        home_folder_id: folder,
        id: u.id,
        is_disabled: false,
        last_name: u.last_name,
        locale: u.locale,
        looker_versions: [LOOKER_RELEASE],
        models_dir_validated: null,
        personal_folder_id: null,
        presumed_looker_employee: false,
        role_ids: ['2'],
        sessions: [],
        ui_state: null,
        verified_looker_employee: false,
        roles_externally_managed: false,
        allow_direct_roles: true,
        allow_normal_group_membership: true,
        allow_roles_from_normal_groups: true,
        is_service_account: false,
        service_account_name: null,
        url: `${base}/api/4.0/users/${u.id}`,
      });
    },
  },
];
