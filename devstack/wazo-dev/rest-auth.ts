// wazo-auth subset (`/api/auth/0.1`): log in with Basic credentials, refresh-token grant, token
// checks (HEAD/GET), logout, refresh-token deletion and the status probe the Simple API sends.

import type { WazoDirectory, WazoUser } from './directory';
import { STACK_UUID, TENANT_UUID } from './directory';
import type { RestReply, RestRequest, Service } from './http';
import { MAX_EXPIRATION, MIN_EXPIRATION, type TokenSession, type TokenStore } from './tokens';

/** wazo-auth's own error shape (its spec's `Error`): reason[], timestamp[], status_code. */
function authError(status: number, reason: string): RestReply {
  return { status, body: { reason: [reason], timestamp: [new Date().toISOString()], status_code: status } };
}

function tokenBody(s: TokenSession): Record<string, unknown> {
  const iso = (ms: number): string => new Date(ms).toISOString();
  return {
    data: {
      token: s.token,
      refresh_token: s.refreshToken ?? undefined,
      session_uuid: s.sessionUuid,
      auth_id: s.user.uuid,
      xivo_user_uuid: s.user.uuid,
      xivo_uuid: STACK_UUID,
      issued_at: iso(s.issuedAt),
      utc_issued_at: iso(s.issuedAt),
      expires_at: iso(s.expiresAt),
      utc_expires_at: iso(s.expiresAt),
      acl: ['calld.#', 'confd.users.me.#', 'dird.#', 'websocketd', 'events.#', 'auth.users.me.#'],
      metadata: { uuid: s.user.uuid, tenant_uuid: TENANT_UUID, pbx_user_uuid: s.user.uuid, auth_id: s.user.uuid, purpose: 'user' },
    },
  };
}

function basicCredentials(req: RestRequest): { username: string; password: string } | undefined {
  const header = req.headers.authorization;
  const m = typeof header === 'string' ? /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header) : null;
  if (!m) return undefined;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

export function authService(directory: WazoDirectory, tokens: TokenStore, log: (l: string) => void): Service {
  const createToken = (req: RestRequest): RestReply => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) return authError(400, 'Invalid body');
    const expiration = body.expiration === undefined ? 7200 : body.expiration;
    if (typeof expiration !== 'number' || !Number.isInteger(expiration) || expiration < MIN_EXPIRATION || expiration > MAX_EXPIRATION) {
      return authError(400, `Invalid expiration: an integer between ${MIN_EXPIRATION} and ${MAX_EXPIRATION}`);
    }
    const clientId = typeof body.client_id === 'string' ? body.client_id : undefined;
    if (typeof body.refresh_token === 'string') {
      if (!clientId) return authError(400, 'client_id is required with refresh_token');
      const session = tokens.refresh(body.refresh_token, clientId, expiration);
      if (!session) return authError(401, 'Authentication Failed');
      log(`token refreshed for ${session.user.username} (client ${clientId}, ${expiration} s)`);
      return { status: 200, body: tokenBody(session) };
    }
    const credentials = basicCredentials(req);
    const user: WazoUser | undefined = credentials && directory.authenticate(credentials.username, credentials.password);
    if (!user) {
      log(`login refused${credentials ? ` for ${JSON.stringify(credentials.username)}` : ' (no Basic credentials)'}`);
      return authError(401, 'Authentication Failed');
    }
    if (body.access_type === 'offline' && !clientId) return authError(400, 'client_id is required with access_type offline');
    const session = tokens.issue(user, expiration, body.access_type === 'offline' && clientId ? { clientId } : undefined);
    log(`login ${user.username} (${expiration} s${session.refreshToken ? `, refresh token for client ${clientId}` : ''})`);
    return { status: 200, body: tokenBody(session) };
  };

  const tokenCheck = (req: RestRequest): RestReply => {
    const session = tokens.check(req.params.token);
    if (!session) return authError(404, 'No such token');
    return req.method === 'HEAD' ? { status: 204 } : { status: 200, body: tokenBody(session) };
  };

  return {
    prefix: 'auth/0.1',
    routes: [
      { method: 'POST', template: '/token', auth: false, handle: createToken },
      { method: 'HEAD', template: '/token/{token}', auth: false, handle: tokenCheck },
      { method: 'GET', template: '/token/{token}', auth: false, handle: tokenCheck },
      {
        method: 'DELETE', template: '/token/{token}', auth: false,
        handle: (req) => {
          tokens.revoke(req.params.token);
          return { status: 200, body: { data: { message: 'success' } } };
        },
      },
      {
        method: 'DELETE', template: '/users/{user_uuid_or_me}/tokens/{client_id}',
        handle: (req) => {
          const me = req.session!.user;
          if (req.params.user_uuid_or_me !== 'me' && req.params.user_uuid_or_me !== me.uuid) {
            return { status: 404, body: { message: 'No such user', timestamp: Date.now() / 1000, resource: 'users', details: {} } };
          }
          tokens.deleteRefreshToken(me, req.params.client_id);
          return { status: 204 };
        },
      },
      { method: 'HEAD', template: '/status', auth: false, handle: () => ({ status: 200 }) },
      { method: 'GET', template: '/status', auth: false, handle: () => ({ status: 200, body: { rest_api: { status: 'ok' } } }) },
    ],
  };
}
