import { loadConfig } from '../config/env';
import { startLocalStack, type LocalStack } from '../local/local-stack';
import { createLogger } from '../logger';
import { runMain, shutdownSignal } from './run-main';

runMain(async () => {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const stack = await startLocalStack(config, logger);
  process.stdout.write(banner(stack));
  const signal = await shutdownSignal();
  logger.info({ signal }, 'stopping');
  await stack.stop();
  logger.info('stopped');
});

function banner(stack: Omit<LocalStack, 'stop'>): string {
  const auth = `-H "Authorization: Bearer ${stack.apiKey}"`;
  const body = JSON.stringify({
    name: 'Daily revenue',
    integrationId: stack.demoIntegrationId,
    lookId: '1',
    dateField: 'orders.created_date',
    valueField: 'orders.total_revenue',
    importTime: '06:00',
    timeZone: 'Europe/Berlin',
  });
  return `
metric-importer is running (local mode)

  Console      ${stack.consoleSignInUrl}
               (signs this browser in to the demo workspace, once; later sign in at ${stack.apiUrl}/console with the key below)
  API          ${stack.apiUrl}
  OpenAPI      ${stack.apiUrl}/openapi.json   (reference: ${stack.apiUrl}/docs)
  Temporal UI  ${stack.temporalUiUrl ?? '(external Temporal: see TEMPORAL_UI_URL)'}
               (payloads are encrypted; to read them, sign in at ${stack.codec.signInUrl}
               with codec token ${stack.codec.token}
               then in the UI's Codec Server settings (top right) choose "Use my browser setting",
               set the endpoint to ${stack.codec.endpoint} and turn on
               "Include cross-origin credentials", Apply, and reload the page)
  API key      ${stack.apiKey}

Try it:
  1. List the demo Looks:
     curl -s ${auth} ${stack.apiUrl}/v1/integrations/${stack.demoIntegrationId}/looks
  2. Create a metric on Look 1 (its whole history is imported at once, then daily at 06:00 Berlin time):
     curl -s ${auth} -H "Content-Type: application/json" -d '${body}' ${stack.apiUrl}/v1/metrics
  3. Read its datapoints (use the "id" printed by step 2):
     curl -s ${auth} "${stack.apiUrl}/v1/metrics/<metric id>/datapoints?limit=10"

Ctrl-C stops everything; data is kept in .data/ for the next start.
`;
}
