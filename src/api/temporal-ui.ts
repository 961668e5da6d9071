import { metricWorkflowId } from '../shared/ids';
import type { ApiDeps } from './deps';

/**
 * Links into the Temporal Web UI at TEMPORAL_UI_URL; null when none is configured (the API does
 * not know where people reach the UI, so it links nowhere rather than somewhere wrong).
 */
export function temporalUiLinks(deps: Pick<ApiDeps, 'temporalUiUrl' | 'temporalNamespace'>) {
  const base = deps.temporalUiUrl?.replace(/\/+$/, '');
  const workflow = (metricId: string) =>
    base === undefined ? null : `${base}/namespaces/${encodeURIComponent(deps.temporalNamespace)}/workflows/${encodeURIComponent(metricWorkflowId(metricId))}`;
  return {
    /** The metric's workflow, its latest run. */
    workflow,
    /** One run of the metric's workflow (it continues as new), opened on its event history. */
    run: (metricId: string, runId: string | null) => {
      const url = workflow(metricId);
      return url === null || runId === null ? null : `${url}/${encodeURIComponent(runId)}/history`;
    },
  };
}
