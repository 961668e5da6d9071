import { z } from '@hono/zod-openapi';
import { normaliseApiEndpoint } from '../../../looker/api-endpoint';
import type { LookerUser } from '../../../looker/client';
import type { ApiDeps } from '../../deps';
import { ApiError } from '../../errors';
import { lookerProblem } from '../../looker-problems';

export const IntegrationInputSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200).openapi({ example: 'Acme Looker' }),
    apiEndpoint: z.string().trim().min(1).max(2048).openapi({
      example: 'https://acme.cloud.looker.com',
      description: 'The Looker API host; the host alone, with :19999, or the full /api/4.0 URL are all accepted.',
    }),
    clientId: z.string().trim().min(1).max(500).openapi({ example: 'gQ8ghDfvnDxVhKcy3Y4F' }),
    clientSecret: z.string().min(1).max(500).openapi({ description: 'Write-only: stored encrypted, never returned.', example: '••••••••' }),
  })
  .openapi('IntegrationInput');

export type IntegrationInput = z.infer<typeof IntegrationInputSchema>;

export interface CredentialCheck {
  apiEndpoint: string;
  user: LookerUser;
  lookerReleaseVersion: string;
  message: string;
}

/** Normalises the endpoint, then proves the credentials log in; throws a field-level problem otherwise. */
export async function checkLookerCredentials(
  deps: ApiDeps,
  input: Pick<IntegrationInput, 'apiEndpoint' | 'clientId' | 'clientSecret'>,
): Promise<CredentialCheck> {
  const endpoint = normaliseApiEndpoint(input.apiEndpoint, { allowInsecureHosts: deps.lookerAllowedHosts });
  if (!endpoint.ok) throw ApiError.field('validation_failed', '/body/apiEndpoint', endpoint.problem);
  const client = deps.lookerClients.forCredentials({ ...input, apiEndpoint: endpoint.apiEndpoint });
  try {
    const { user, lookerReleaseVersion } = await client.checkCredentials();
    const who = user.displayName ?? user.email ?? `user ${user.id}`;
    return { apiEndpoint: endpoint.apiEndpoint, user, lookerReleaseVersion, message: `Connected as ${who} (Looker ${lookerReleaseVersion}).` };
  } catch (error) {
    throw lookerProblem(error);
  }
}
