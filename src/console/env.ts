import type { AppEnv } from '../api/env';

/** Context of console pages: the API's principal plus the session's CSRF token for the page. */
export interface ConsoleEnv {
  Variables: AppEnv['Variables'] & { csrfToken: string };
}
