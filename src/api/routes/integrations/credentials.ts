import { z } from '@hono/zod-openapi';
import { normaliseApiEndpoint } from '../../../looker/api-endpoint';
import { defaultMaxConcurrentQueries } from '../../../looker/query-slots';
import type { Logger } from '../../../logger';
import type { LookerClient, LookerUser } from '../../../looker/client';
import type { ApiDeps } from '../../deps';
import { bodyPointers, describeLookerFailure, failureProblem, lookerFailureKinds, type LookerFailure } from '../../looker-problems';

export const IntegrationNameSchema = z.string().trim().min(1).max(200).openapi({ example: 'Acme Looker' });
export const ApiEndpointSchema = z.string().trim().min(1).max(2048).openapi({
  example: 'https://acme.cloud.looker.com',
  description: 'The Looker API host; the host alone, with :19999, or the full /api/4.0 URL are all accepted.',
});
export const ClientIdSchema = z.string().trim().min(1).max(500).openapi({ example: 'gQ8ghDfvnDxVhKcy3Y4F' });
export const ClientSecretSchema = z
  .string()
  .min(1)
  .max(500)
  .openapi({ description: 'Write-only: stored encrypted, never returned.', example: 'Zq4pS2vTj7rXb9Wc' });

const credentialsExample = { apiEndpoint: 'https://acme.cloud.looker.com', clientId: 'gQ8ghDfvnDxVhKcy3Y4F', clientSecret: 'Zq4pS2vTj7rXb9Wc' };

export const CredentialsSchema = z
  .strictObject({ apiEndpoint: ApiEndpointSchema, clientId: ClientIdSchema, clientSecret: ClientSecretSchema })
  .openapi('LookerCredentials', { example: credentialsExample });

/** Looker (Google Cloud core) runs 15 queries per user at once; a self-hosted Looker may allow more. */
export const MaxConcurrentQueriesSchema = z
  .number({ error: 'must be a whole number from 1 to 100' })
  .int('must be a whole number from 1 to 100')
  .min(1, 'must be at least 1: with no query slot no import could run')
  .max(100, 'must be at most 100; Looker (Google Cloud core) runs at most 15 queries per user at once')
  .openapi({
    example: 8,
    description: `Most Looker queries (Look runs, field lookups) the service runs at once for this integration, over all workers; others wait for a slot. Default ${defaultMaxConcurrentQueries}, below Looker's 15 per user.`,
  });

export const IntegrationInputSchema = z
  .strictObject({
    name: IntegrationNameSchema,
    apiEndpoint: ApiEndpointSchema,
    clientId: ClientIdSchema,
    clientSecret: ClientSecretSchema,
    maxConcurrentQueries: MaxConcurrentQueriesSchema.optional(),
  })
  .openapi('IntegrationInput', { example: { name: 'Acme Looker', ...credentialsExample } });

export type Credentials = z.infer<typeof CredentialsSchema>;

export const CredentialCheckSchema = z
  .object({
    ok: z.boolean(),
    outcome: z.enum(['connected', ...lookerFailureKinds]).openapi({ description: 'Stable name of the result; branch on this.' }),
    message: z.string().openapi({ example: 'Connected as Ada Lovelace (Looker 25.4.12).' }),
    field: z.enum(['apiEndpoint', 'clientSecret']).nullable().openapi({ description: 'The input to fix when ok is false.' }),
    apiEndpoint: z.string().nullable().openapi({ example: 'https://acme.cloud.looker.com/api/4.0', description: 'The endpoint as it is saved (normalised to /api/4.0).' }),
    note: z.string().nullable().openapi({ description: 'What was assumed about the endpoint, e.g. that /api/4.0 was added.' }),
    user: z.object({ id: z.string(), displayName: z.string().nullable(), email: z.string().nullable() }).nullable(),
    lookerReleaseVersion: z.string().nullable(),
  })
  .openapi('CredentialCheck');

export type CredentialCheck =
  | { ok: true; apiEndpoint: string; note: string | null; user: LookerUser; lookerReleaseVersion: string; message: string }
  | { ok: false; apiEndpoint: string | null; note: string | null; failure: LookerFailure };

/** Normalises the endpoint, then proves the credentials log in; a failure is a result, not an exception. */
export async function checkCredentials(deps: ApiDeps, input: Credentials): Promise<CredentialCheck> {
  const endpoint = normaliseApiEndpoint(input.apiEndpoint, { allowInsecureHosts: deps.lookerAllowedHosts });
  if (!endpoint.ok) {
    return { ok: false, apiEndpoint: null, note: null, failure: { kind: 'invalid_endpoint', code: 'validation_failed', field: 'apiEndpoint', message: endpoint.problem } };
  }
  const note = endpoint.note ?? (sameEndpoint(input.apiEndpoint, endpoint.apiEndpoint) ? null : `Using ${endpoint.apiEndpoint}: the Looker API 4.0 address of what you entered.`);
  const client = deps.lookerClients.forCredentials({ ...input, apiEndpoint: endpoint.apiEndpoint });
  return runCredentialCheck(client, endpoint.apiEndpoint, note, deps.logger);
}

/** Looker API, then login, then the user the key belongs to. */
export async function runCredentialCheck(client: LookerClient, apiEndpoint: string, note: string | null, logger: Logger): Promise<CredentialCheck> {
  try {
    const { user, lookerReleaseVersion } = await client.checkCredentials();
    const who = user.displayName ?? user.email ?? `user ${user.id}`;
    const message = `Connected as ${who} (Looker ${lookerReleaseVersion}).${note ? ` ${note}` : ''}`;
    return { ok: true, apiEndpoint, note, user, lookerReleaseVersion, message };
  } catch (error) {
    const failure = describeLookerFailure(error, { apiEndpoint, logger });
    if (!failure) throw error;
    return { ok: false, apiEndpoint, note, failure };
  }
}

/** For routes that save credentials: only working ones, else a problem naming the field to fix. */
export async function requireWorkingCredentials(deps: ApiDeps, input: Credentials): Promise<Extract<CredentialCheck, { ok: true }>> {
  const check = await checkCredentials(deps, input);
  if (!check.ok) throw failureProblem(check.failure, bodyPointers);
  return check;
}

/** The response body of both credential tests. */
export function credentialCheckView(check: CredentialCheck): z.infer<typeof CredentialCheckSchema> {
  const common = { apiEndpoint: check.apiEndpoint, note: check.note };
  if (check.ok) {
    return { ok: true, outcome: 'connected', message: check.message, field: null, ...common, user: check.user, lookerReleaseVersion: check.lookerReleaseVersion };
  }
  const field = check.failure.field === 'apiEndpoint' || check.failure.field === 'clientSecret' ? check.failure.field : null;
  return { ok: false, outcome: check.failure.kind, message: check.failure.message, field, ...common, user: null, lookerReleaseVersion: null };
}

function sameEndpoint(input: string, normalised: string): boolean {
  return input.trim().replace(/\/+$/, '').toLowerCase() === normalised.toLowerCase();
}
