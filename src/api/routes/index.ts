import type { App } from '../app';
import type { ApiDeps } from '../deps';
import { registerCreateRootApiKey } from './admin/create-root-api-key.route';
import { registerCreateWorkspace } from './admin/create-workspace.route';
import { registerCreateApiKey } from './api-keys/create-api-key.route';
import { registerListApiKeys } from './api-keys/list-api-keys.route';
import { registerRevokeApiKey } from './api-keys/revoke-api-key.route';
import { registerHealth } from './health.route';
import { registerCreateIntegration } from './integrations/create-integration.route';
import { registerDeleteIntegration } from './integrations/delete-integration.route';
import { registerGetIntegration } from './integrations/get-integration.route';
import { registerListIntegrations } from './integrations/list-integrations.route';
import { registerListLooks } from './integrations/list-looks.route';
import { registerLookFields } from './integrations/look-fields.route';
import { registerPreviewLook } from './integrations/preview-look.route';
import { registerTestCredentials } from './integrations/test-credentials.route';
import { registerTestIntegration } from './integrations/test-integration.route';
import { registerUpdateIntegration } from './integrations/update-integration.route';
import { registerCreateMetric } from './metrics/create-metric.route';
import { registerDeleteMetric } from './metrics/delete-metric.route';
import { registerGetMetric } from './metrics/get-metric.route';
import { registerImportMetricNow } from './metrics/import-metric-now.route';
import { registerListDatapoints } from './metrics/list-datapoints.route';
import { registerListImportRuns } from './metrics/list-import-runs.route';
import { registerListMetrics } from './metrics/list-metrics.route';
import { registerPauseMetric } from './metrics/pause-metric.route';
import { registerResumeMetric } from './metrics/resume-metric.route';
import { registerUpdateMetric } from './metrics/update-metric.route';
import { registerUpdateMetricSchedule } from './metrics/update-metric-schedule.route';

/** Every route, registered explicitly and grouped by resource. */
export function registerRoutes(app: App, deps: ApiDeps): void {
  registerHealth(app, deps);

  registerCreateWorkspace(app, deps);
  registerCreateRootApiKey(app, deps);

  registerListApiKeys(app, deps);
  registerCreateApiKey(app, deps);
  registerRevokeApiKey(app, deps);

  registerListIntegrations(app, deps);
  registerCreateIntegration(app, deps);
  registerTestCredentials(app, deps);
  registerGetIntegration(app, deps);
  registerUpdateIntegration(app, deps);
  registerDeleteIntegration(app, deps);
  registerTestIntegration(app, deps);
  registerListLooks(app, deps);
  registerLookFields(app, deps);
  registerPreviewLook(app, deps);

  registerListMetrics(app, deps);
  registerCreateMetric(app, deps);
  registerGetMetric(app, deps);
  registerUpdateMetric(app, deps);
  registerUpdateMetricSchedule(app, deps);
  registerPauseMetric(app, deps);
  registerResumeMetric(app, deps);
  registerImportMetricNow(app, deps);
  registerDeleteMetric(app, deps);
  registerListImportRuns(app, deps);
  registerListDatapoints(app, deps);
}
