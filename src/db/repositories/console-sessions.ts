import { and, eq, gt, isNull, lte } from 'drizzle-orm';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../client';
import { apiKeys, consoleSessions } from '../schema';

/** A console session lasts a working day; signing in again is one paste of a key. */
export const sessionLifetimeMs = 12 * 60 * 60 * 1000;

export interface ConsoleSession {
  workspaceId: string;
  apiKeyId: string;
  /** Sent back by the page on every state change (synchronizer token derived from the session). */
  csrfToken: string;
}

function hashSessionId(sessionId: string): string {
  return createHash('sha256').update(sessionId, 'utf8').digest('hex');
}

/**
 * The CSRF token is an HMAC of the session id: pages can carry it, but the session id (HttpOnly)
 * is needed to make it, so another site cannot forge it.
 */
export function csrfTokenFor(sessionId: string): string {
  return createHmac('sha256', sessionId).update('console-csrf').digest('base64url');
}

export function csrfTokenMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Opens a session for an API key; returns the opaque id for the cookie (stored only hashed). */
export async function createConsoleSession(db: Db, key: { workspaceId: string; apiKeyId: string }, nowMs: number): Promise<{ sessionId: string; expiresAt: Date }> {
  const sessionId = randomBytes(32).toString('base64url');
  const expiresAt = new Date(nowMs + sessionLifetimeMs);
  await db.insert(consoleSessions).values({ sessionHash: hashSessionId(sessionId), workspaceId: key.workspaceId, apiKeyId: key.apiKeyId, expiresAt });
  // Expired sessions are of no use to anyone: clear them as new ones are made.
  await db.delete(consoleSessions).where(lte(consoleSessions.expiresAt, new Date(nowMs)));
  return { sessionId, expiresAt };
}

/** The live session for a cookie value: unexpired, and its API key not revoked. */
export async function findConsoleSession(db: Db, sessionId: string, nowMs: number): Promise<ConsoleSession | undefined> {
  const [row] = await db
    .select({ workspaceId: consoleSessions.workspaceId, apiKeyId: consoleSessions.apiKeyId })
    .from(consoleSessions)
    .innerJoin(apiKeys, eq(apiKeys.id, consoleSessions.apiKeyId))
    .where(and(eq(consoleSessions.sessionHash, hashSessionId(sessionId)), gt(consoleSessions.expiresAt, new Date(nowMs)), isNull(apiKeys.revokedAt)));
  return row ? { ...row, csrfToken: csrfTokenFor(sessionId) } : undefined;
}

export async function deleteConsoleSession(db: Db, sessionId: string): Promise<void> {
  await db.delete(consoleSessions).where(eq(consoleSessions.sessionHash, hashSessionId(sessionId)));
}
