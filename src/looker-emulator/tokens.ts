import { randomBytes } from 'node:crypto';

interface TokenEntry {
  issuedAtMs: number;
  expiresAtMs: number;
}

/**
 * Live access tokens. Expiry uses the real clock (Date.now), not the seed clock, so a frozen
 * "today" for data never freezes token lifetimes.
 */
export class TokenStore {
  private readonly tokens = new Map<string, TokenEntry>();

  constructor(private ttlSeconds: number) {}

  get ttl(): number {
    return this.ttlSeconds;
  }

  mint(): { token: string; expiresIn: number } {
    // 40 alphanumerics, like Looker's tokens.
    let token = '';
    while (token.length < 40) token += randomBytes(40).toString('base64').replace(/[^A-Za-z0-9]/g, '');
    token = token.slice(0, 40);
    const now = Date.now();
    this.tokens.set(token, { issuedAtMs: now, expiresAtMs: now + this.ttlSeconds * 1000 });
    return { token, expiresIn: this.ttlSeconds };
  }

  isValid(token: string): boolean {
    const entry = this.tokens.get(token);
    if (!entry) return false;
    if (entry.expiresAtMs <= Date.now()) {
      this.tokens.delete(token);
      return false;
    }
    return true;
  }

  /** Returns whether the token was live (Looker answers 404 to revoking a dead one). */
  revoke(token: string): boolean {
    const live = this.isValid(token);
    this.tokens.delete(token);
    return live;
  }

  /** Expires every live token now; returns how many there were. */
  expireAll(): number {
    let count = 0;
    for (const token of [...this.tokens.keys()]) if (this.revoke(token)) count++;
    return count;
  }

  /** New logins get the new lifetime; live tokens are cut to issue time + ttl if that is sooner. */
  setTtl(seconds: number): void {
    this.ttlSeconds = seconds;
    for (const entry of this.tokens.values()) {
      entry.expiresAtMs = Math.min(entry.expiresAtMs, entry.issuedAtMs + seconds * 1000);
    }
  }

  clear(): void {
    this.tokens.clear();
  }
}
