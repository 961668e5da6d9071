import type { LookerClient } from '../looker/client';
import type { LookerFieldMeta } from '../looker/parse-look-result';
import { ApiError } from './errors';
import { bodyPointers, lookerProblem } from './looker-problems';

/**
 * Before anything is saved or parsed: the Look exists and has both fields, or the problem names
 * the field. `lookIdPointer` says where the request carries the Look id (body or path).
 */
export async function checkLookFields(
  client: LookerClient,
  source: { lookId: string; dateField: string; valueField: string },
  lookIdPointer: string,
): Promise<LookerFieldMeta[]> {
  let fields: LookerFieldMeta[];
  try {
    fields = await client.lookFields(source.lookId);
  } catch (error) {
    throw lookerProblem(error, { lookId: lookIdPointer });
  }
  const names = fields.map((field) => field.name);
  for (const key of ['dateField', 'valueField'] as const) {
    if (!names.includes(source[key])) {
      throw ApiError.field(
        'looker_rejected',
        bodyPointers[key],
        `Look ${source.lookId} has no field "${source[key]}"; its fields are ${names.map((n) => `"${n}"`).join(', ')}`,
      );
    }
  }
  return fields;
}
