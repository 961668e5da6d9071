import { randomBytes } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { sessionCookie } from '../api/auth';
import type { ApiDeps } from '../api/deps';
import { looksLikeApiKey } from '../crypto/api-keys';
import { findActiveApiKey } from '../db/repositories/api-keys';
import { createConsoleSession, csrfTokenMatches, deleteConsoleSession, findConsoleSession } from '../db/repositories/console-sessions';
import type { AssetUrls } from './layout';
import type { ConsoleEnv } from './env';
import { SignInPage } from './pages/sign-in-page';

/** Double-submit token of the sign-in form, so another site cannot sign a browser in to its workspace. */
const signInCookie = 'mi_signin';

/** Secure cookies where the browser reached us over TLS (directly or through a proxy that says so). */
function servedOverTls(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
}

function renderSignIn(c: Context, assets: AssetUrls, status: 200 | 401 | 403, message: { error?: string; notice?: string } = {}) {
  const formToken = randomBytes(24).toString('base64url');
  setCookie(c, signInCookie, formToken, { path: '/console', httpOnly: true, sameSite: 'Strict', secure: servedOverTls(c) });
  return c.html(<SignInPage assets={assets} formToken={formToken} {...message} />, status);
}

async function startSession(c: Context, deps: ApiDeps, key: { id: string; workspaceId: string }) {
  const { sessionId, expiresAt } = await createConsoleSession(deps.db, { workspaceId: key.workspaceId, apiKeyId: key.id }, Date.now());
  setCookie(c, sessionCookie, sessionId, { path: '/', httpOnly: true, sameSite: 'Strict', secure: servedOverTls(c), expires: expiresAt });
  deleteCookie(c, signInCookie, { path: '/console' });
  deps.logger.info({ workspaceId: key.workspaceId, apiKeyId: key.id }, 'console session started');
  return c.redirect('/console/metrics', 303);
}

/** Sign-in (API key → session), the local-mode one-time link, and sign-out. */
export function registerSessionRoutes(console: Hono<ConsoleEnv>, deps: ApiDeps, assets: AssetUrls): void {
  console.get('/sign-in', (c) => renderSignIn(c, assets, 200));

  console.post('/sign-in', async (c) => {
    const form = await c.req.parseBody();
    const formToken = getCookie(c, signInCookie);
    if (formToken === undefined || !csrfTokenMatches(formToken, typeof form.csrf === 'string' ? form.csrf : undefined)) {
      return renderSignIn(c, assets, 403, { error: 'The sign-in form expired; paste the key again.' });
    }
    const apiKey = typeof form.apiKey === 'string' ? form.apiKey.trim() : '';
    if (!looksLikeApiKey(apiKey)) {
      return renderSignIn(c, assets, 401, { error: 'apiKey: paste a whole workspace API key; it starts with mi_live_ and is 51 characters long.' });
    }
    const key = await findActiveApiKey(deps.db, apiKey);
    if (!key) return renderSignIn(c, assets, 401, { error: 'apiKey: this key is unknown or was revoked; ask for a current key of your workspace.' });
    return startSession(c, deps, key);
  });

  // Local mode only: the banner's link signs the browser in to the demo workspace, once.
  let localTokenUsed = false;
  console.get('/local-sign-in', async (c) => {
    const local = deps.consoleLocalSignIn;
    const token = c.req.query('token');
    if (!local || localTokenUsed || token === undefined || !csrfTokenMatches(local.token, token)) {
      return renderSignIn(c, assets, 403, { error: 'This sign-in link is not valid or was already used; paste the API key the banner printed.' });
    }
    const key = await findActiveApiKey(deps.db, local.apiKey);
    if (!key) return renderSignIn(c, assets, 403, { error: 'The demo API key was revoked; sign in with another key.' });
    localTokenUsed = true;
    return startSession(c, deps, key);
  });

  console.post('/sign-out', async (c) => {
    const sessionId = getCookie(c, sessionCookie);
    const form = await c.req.parseBody();
    const session = sessionId === undefined ? undefined : await findConsoleSession(deps.db, sessionId, Date.now());
    if (sessionId === undefined || !session || !csrfTokenMatches(session.csrfToken, typeof form.csrf === 'string' ? form.csrf : undefined)) {
      return renderSignIn(c, assets, 403, { error: 'Sign-out needs the form of a console page; you may already be signed out.' });
    }
    await deleteConsoleSession(deps.db, sessionId);
    deleteCookie(c, sessionCookie, { path: '/' });
    return renderSignIn(c, assets, 200, { notice: 'Signed out.' });
  });
}
