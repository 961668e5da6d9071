import { emptyReply } from '../reply';
import type { RequestContext, RouteDef } from '../router';
import { okJson } from './common';

export const LOOKER_RELEASE = '26.12.3';
const FULL_VERSION = '4.0.26.12';

function versions(ctx: RequestContext) {
  const base = ctx.env.baseUrl();
  const current = { version: '4.0', full_version: FULL_VERSION, status: 'current', swagger_url: `${base}/api/4.0/swagger.json` };
  return okJson(ctx, {
    looker_release_version: LOOKER_RELEASE,
    current_version: current,
    supported_versions: [current],
    api_server_url: base,
    web_server_url: base,
  });
}

export const metaRoutes: RouteDef[] = [
  { method: 'GET', template: '/versions', auth: false, handle: versions },
  { method: 'GET', template: '/api/4.0/versions', auth: false, handle: versions },
  { method: 'GET', template: '/alive', auth: false, handle: () => emptyReply(200) },
];
