// wazo-auth's sessions in memory: access tokens with an expiry, and refresh tokens per (user,
// client_id) for `access_type: offline` logins. Tokens are random UUIDs as in Wazo; nothing here
// logs them.

import { randomUUID } from 'node:crypto';
import type { WazoUser } from './directory';

export interface TokenSession {
  token: string;
  sessionUuid: string;
  user: WazoUser;
  issuedAt: number;
  expiresAt: number;
  refreshToken: string | null;
}

/** wazo-auth's limits on `expiration` (seconds). */
export const MIN_EXPIRATION = 2;
export const MAX_EXPIRATION = 10 * 3600;

export class TokenStore {
  private readonly tokens = new Map<string, TokenSession>();
  private readonly refreshTokens = new Map<string, { user: WazoUser; clientId: string }>();

  constructor(private readonly now: () => number = Date.now) {}

  issue(user: WazoUser, expirationSec: number, offline?: { clientId: string }): TokenSession {
    let refreshToken: string | null = null;
    if (offline) {
      // One refresh token per user and client_id: a new offline login replaces the previous one.
      for (const [rt, owner] of this.refreshTokens) if (owner.user.uuid === user.uuid && owner.clientId === offline.clientId) this.refreshTokens.delete(rt);
      refreshToken = randomUUID();
      this.refreshTokens.set(refreshToken, { user, clientId: offline.clientId });
    }
    const issuedAt = this.now();
    const session: TokenSession = {
      token: randomUUID(), sessionUuid: randomUUID(), user, issuedAt, expiresAt: issuedAt + expirationSec * 1000, refreshToken,
    };
    this.tokens.set(session.token, session);
    return session;
  }

  /** A new access token from a refresh token (`grant`), or undefined when it is unknown or belongs to another client. */
  refresh(refreshToken: string, clientId: string, expirationSec: number): TokenSession | undefined {
    const owner = this.refreshTokens.get(refreshToken);
    if (!owner || owner.clientId !== clientId) return undefined;
    const session = this.issue(owner.user, expirationSec);
    return session;
  }

  check(token: string | undefined): TokenSession | undefined {
    if (!token) return undefined;
    const session = this.tokens.get(token);
    if (!session) return undefined;
    if (session.expiresAt <= this.now()) {
      this.tokens.delete(token);
      return undefined;
    }
    return session;
  }

  revoke(token: string): boolean {
    return this.tokens.delete(token);
  }

  deleteRefreshToken(user: WazoUser, clientId: string): boolean {
    let found = false;
    for (const [rt, owner] of this.refreshTokens) {
      if (owner.user.uuid === user.uuid && owner.clientId === clientId) {
        this.refreshTokens.delete(rt);
        found = true;
      }
    }
    return found;
  }

  /** Forget expired tokens (the server's sweep). */
  sweep(): void {
    const now = this.now();
    for (const [t, s] of this.tokens) if (s.expiresAt <= now) this.tokens.delete(t);
  }

  clear(): void {
    this.tokens.clear();
    this.refreshTokens.clear();
  }
}
