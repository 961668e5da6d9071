// The worker bundles this one entry file; every workflow is exported from here.
export { metricImportWorkflow } from './metric-import.workflow';
