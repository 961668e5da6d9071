import { z } from '@hono/zod-openapi';
import { IdParam } from '../../schemas';

/** `{id}` of the integration and `{lookId}` of one of its Looks. */
export const LookParams = IdParam.extend({
  lookId: z.string().min(1).max(100).openapi({ param: { name: 'lookId', in: 'path' }, example: '1' }),
});
