import { NOT_FOUND } from '../errors';
import { delimitedResult } from '../formats/delimited';
import { jsonResult } from '../formats/json';
import { jsonDetailResult } from '../formats/json-detail';
import { lookSql } from '../formats/sql';
import { textReply, type Reply } from '../reply';
import { buildResultTable } from '../result-table';
import type { RouteDef } from '../router';
import { boolParam, fail, intParam } from './common';

const SUPPORTED = new Set(['json', 'json_detail', 'csv', 'txt', 'sql']);
/** Valid Looker formats the emulator does not render. */
const UNSUPPORTED = new Set(['json_bi', 'html', 'md', 'xlsx', 'png', 'jpg']);

export const runLookRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/api/4.0/looks/:look_id/run/:result_format',
    auth: true,
    isRun: true,
    handle(ctx): Reply {
      const format = ctx.params.result_format ?? '';
      if (UNSUPPORTED.has(format)) return fail(ctx, 400, `The Looker emulator does not render result_format '${format}'.`);
      if (!SUPPORTED.has(format)) return fail(ctx, 400, `Unsupported result_format '${format}'.`);
      const look = ctx.env.looks.get(ctx.params.look_id ?? '');
      if (!look || look.deleted) return fail(ctx, 404, NOT_FOUND);

      const applyFormatting = boolParam(ctx, 'apply_formatting') ?? false;
      // The run's limit overrides the saved query's (a string in Looker; "-1" = unlimited).
      const limit = intParam(ctx, 'limit') ?? Number(look.seed.limit);
      const now = ctx.env.now();
      const table = buildResultTable(look, now, limit);
      ctx.env.counters.run(look.seed.id);
      switch (format) {
        case 'json':
          return jsonResult(table, applyFormatting);
        case 'json_detail':
          return jsonDetailResult(table, { applyFormatting, now, limit, startedMs: ctx.startedMs });
        case 'sql':
          return textReply(200, 'text/plain; charset=utf-8', lookSql(table, limit));
        default:
          return delimitedResult(table, format === 'csv' ? 'csv' : 'txt', applyFormatting);
      }
    },
  },
];
