import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Typed search attributes so operators can filter imports in the Temporal UI and CLI.
// They are not encrypted: ids and states only, never secrets or values.
export const MetricIdKey = defineSearchAttributeKey('MetricId', SearchAttributeType.KEYWORD);
export const IntegrationIdKey = defineSearchAttributeKey('IntegrationId', SearchAttributeType.KEYWORD);
export const WorkspaceIdKey = defineSearchAttributeKey('WorkspaceId', SearchAttributeType.KEYWORD);
export const ImportStateKey = defineSearchAttributeKey('ImportState', SearchAttributeType.KEYWORD);

/** `--search-attribute` flags for the dev server, which registers them at start. */
export const searchAttributeFlags = [MetricIdKey, IntegrationIdKey, WorkspaceIdKey, ImportStateKey].flatMap((key) => [
  '--search-attribute',
  `${key.name}=Keyword`,
]);
