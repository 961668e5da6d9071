import type { ApiDeps } from '../../deps';
import { ApiError } from '../../errors';
import { lookerProblem } from '../../looker-problems';

/** Before anything is saved: the Look exists and has both fields, or the problem names the field. */
export async function checkLookFields(
  deps: ApiDeps,
  integrationId: string,
  source: { lookId: string; dateField: string; valueField: string },
): Promise<void> {
  const client = await deps.lookerClients.forIntegration(integrationId);
  if (!client) throw ApiError.field('not_found', '/body/integrationId', `integration ${integrationId} does not exist`);
  let names: string[];
  try {
    names = (await client.lookFields(source.lookId)).map((field) => field.name);
  } catch (error) {
    throw lookerProblem(error);
  }
  for (const key of ['dateField', 'valueField'] as const) {
    if (!names.includes(source[key])) {
      throw ApiError.field(
        'looker_rejected',
        `/body/${key}`,
        `Look ${source.lookId} has no field "${source[key]}"; its fields are ${names.map((n) => `"${n}"`).join(', ')}`,
      );
    }
  }
}
