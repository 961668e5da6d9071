import type { App } from '../app';
import type { ApiDeps } from '../deps';
import { registerHealth } from './health.route';
import { registerCreateIntegration } from './integrations/create-integration.route';
import { registerListLooks } from './integrations/list-looks.route';
import { registerCreateMetric } from './metrics/create-metric.route';
import { registerListDatapoints } from './metrics/list-datapoints.route';

/** Every route, registered explicitly and grouped by resource. */
export function registerRoutes(app: App, deps: ApiDeps): void {
  registerHealth(app, deps);
  registerCreateIntegration(app, deps);
  registerListLooks(app, deps);
  registerCreateMetric(app, deps);
  registerListDatapoints(app, deps);
}
