import type { z } from '@hono/zod-openapi';
import type { ApiKeySchema } from '../../api/schemas';
import { formatInstant } from '../format';
import { Field, Layout, type AssetUrls } from '../layout';

type ApiKey = z.infer<typeof ApiKeySchema>;

export function ApiKeysPage(props: { assets: AssetUrls; csrfToken: string; keys: ApiKey[] }) {
  return (
    <Layout title="API keys" assets={props.assets} csrfToken={props.csrfToken} current="/console/api-keys">
      <form class="card narrow" data-island="api-key-form" novalidate>
        <Field name="name" label="New key name" hint="Say what will use it, e.g. CI pipeline.">
          <input id="name" name="name" required maxlength={200} aria-describedby="name-hint name-error" />
        </Field>
        <p class="error" data-form-error role="alert"></p>
        <button type="submit" class="primary">Create key</button>
        <div data-new-key hidden>
          <label for="newKey">Your new key (shown this once; only its hash is stored)</label>
          <input id="newKey" readonly class="mono" />
          <button type="button" data-action="copy">Copy</button>
        </div>
      </form>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Prefix</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {props.keys.map((key) => (
              <tr>
                <td>{key.name}</td>
                <td class="mono">{key.prefix}…</td>
                <td>{formatInstant(key.createdAt, 'UTC')}</td>
                <td>{formatInstant(key.lastUsedAt, 'UTC')}</td>
                <td>
                  {key.revokedAt ? (
                    `Revoked ${formatInstant(key.revokedAt, 'UTC')}`
                  ) : (
                    <>
                      <button type="button" class="danger" data-revoke-key={key.id} data-name={key.name}>Revoke</button>
                      <p class="error" data-row-error aria-live="polite"></p>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Layout>
  );
}
