import type { z } from '@hono/zod-openapi';
import type { IntegrationSchema, MetricSchema } from '../../api/schemas';
import { formatInstant } from '../format';
import { Field, Layout, type AssetUrls } from '../layout';

type Integration = z.infer<typeof IntegrationSchema>;
type Metric = z.infer<typeof MetricSchema>;

interface PageBase {
  assets: AssetUrls;
  csrfToken: string;
}

export function IntegrationsPage(props: PageBase & { integrations: Integration[]; metrics: Metric[] }) {
  return (
    <Layout title="Integrations" assets={props.assets} csrfToken={props.csrfToken} current="/console/integrations">
      <p>
        <a class="button primary" href="/console/integrations/new">Add integration</a>
      </p>
      {props.integrations.length === 0 ? (
        <p class="empty">No integration yet. Add one to connect your Looker instance.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">API endpoint</th>
                <th scope="col">Last check</th>
                <th scope="col">Metrics using it</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {props.integrations.map((integration) => {
                const using = props.metrics.filter((metric) => metric.integrationId === integration.id);
                return (
                  <tr data-integration-id={integration.id}>
                    <td>{integration.name}</td>
                    <td class="mono">{integration.apiEndpoint}</td>
                    <td>
                      {integration.lastCheck ? (
                        <>
                          <span class={integration.lastCheck.ok ? 'badge ok' : 'badge bad'}>{integration.lastCheck.ok ? 'Connected' : 'Failed'}</span>{' '}
                          {integration.lastCheck.message} <span class="muted">{formatInstant(integration.lastCheck.at, 'UTC')}</span>
                        </>
                      ) : (
                        <span class="muted">Not checked yet</span>
                      )}
                    </td>
                    <td>
                      {using.length === 0
                        ? 'None'
                        : using.map((metric, i) => (
                            <>
                              {i > 0 && ', '}
                              <a href={`/console/metrics/${metric.id}`}>{metric.name}</a>
                            </>
                          ))}
                    </td>
                    <td class="actions">
                      <a href={`/console/integrations/${integration.id}/edit`}>Edit</a>
                      <button type="button" class="danger" data-delete-integration={integration.id} data-name={integration.name}>
                        Delete
                      </button>
                      <p class="error" data-row-error aria-live="polite"></p>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}

/** Add and edit share one form; on edit the secret is write-only (blank keeps the saved one). */
export function IntegrationFormPage(props: PageBase & { integration?: Integration }) {
  const existing = props.integration;
  return (
    <Layout title={existing ? `Edit ${existing.name}` : 'Add integration'} assets={props.assets} csrfToken={props.csrfToken} current="/console/integrations">
      <form class="card" data-island="integration-form" data-integration-id={existing?.id ?? ''} novalidate>
        <Field name="type" label="Type">
          <select id="type" name="type" disabled>
            <option value="looker">Looker API</option>
          </select>
        </Field>
        <Field name="name" label="Name">
          <input id="name" name="name" required maxlength={200} value={existing?.name ?? ''} aria-describedby="name-error" />
        </Field>
        <Field
          name="apiEndpoint"
          label="API endpoint"
          hint="The API host URL: in Looker, Admin → Platform → API shows it. The host alone is enough; /api/4.0 is added."
        >
          <input
            id="apiEndpoint"
            name="apiEndpoint"
            type="url"
            required
            placeholder="https://<instance>.cloud.looker.com/api/4.0"
            value={existing?.apiEndpoint ?? ''}
            aria-describedby="apiEndpoint-hint apiEndpoint-error"
          />
        </Field>
        <Field name="clientId" label="Client ID" hint="From Admin → Users → Edit keys of the API user.">
          <input id="clientId" name="clientId" required autocomplete="off" value={existing?.clientId ?? ''} aria-describedby="clientId-hint clientId-error" />
        </Field>
        <Field
          name="clientSecret"
          label="Client secret"
          hint={existing ? 'Write-only: leave blank to keep the saved secret.' : 'Stored encrypted; it is never shown again.'}
        >
          <input id="clientSecret" name="clientSecret" type="password" autocomplete="new-password" required={!existing} aria-describedby="clientSecret-hint clientSecret-error" />
        </Field>
        <p class="check-result" data-check-result role="status" aria-live="polite"></p>
        <p class="error" data-form-error role="alert"></p>
        <div class="buttons">
          <button type="button" data-action="test">Test credentials</button>
          <button type="submit" class="primary">Save</button>
          <a href="/console/integrations">Cancel</a>
        </div>
      </form>
    </Layout>
  );
}
