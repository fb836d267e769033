// wazo-auth (`auth/0.1`). Credential and token-lookup requests are sent without our X-Auth-Token
// (`authenticated: false`), so a 401 there is a real answer and never triggers a token refresh.

import type { ApiRequester } from '../http/api-requester';
import { readBody, successResponseParser } from '../http/parse';
import type { HeaderOverrides } from '../http/types';
import { route } from '../http/url';
import { BadResponse } from '../http/errors';
import { Session } from '../domain/session';
import type { ListResponse, Raw, UUID } from './types';

export const DEFAULT_BACKEND_USER = 'wazo_user';
export const BACKEND_LDAP_USER = 'ldap_user';
export const DEFAULT_EXPIRATION = 3600;

export interface LogInArguments {
  username: string;
  password: string;
  backend?: string | null;
  expiration?: number | null;
  mobile?: boolean;
  /** Deprecated by wazo-auth in favour of `domainName`. */
  tenantId?: string | null;
  domainName?: string | null;
  headers?: HeaderOverrides;
}

export interface AuthContext {
  /** When set, `logIn` asks for a refresh token for this client. */
  clientId: () => string | null;
}

const sessionParser = async (response: Response, isJson: boolean): Promise<Session | null> =>
  Session.parse(await readBody(response, isJson), response.headers);

export function basicAuthorization(username: string, password: string): string {
  // btoa only takes Latin-1: go through UTF-8 bytes so non-ASCII credentials survive.
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = '';
  bytes.forEach((b) => {
    binary += String.fromCharCode(b);
  });
  return `Basic ${btoa(binary)}`;
}

export default function authApi(client: ApiRequester, base: string, context: AuthContext) {
  return {
    /** Creates a token. With a clientId, also a refresh token (`access_type: offline`). */
    async logIn(args: LogInArguments): Promise<Session | null> {
      const body: Record<string, unknown> = {
        backend: args.backend || DEFAULT_BACKEND_USER,
        expiration: args.expiration || DEFAULT_EXPIRATION,
      };
      const clientId = context.clientId();
      if (clientId) {
        body.access_type = 'offline';
        body.client_id = clientId;
      }
      if (args.tenantId) body.tenant_id = args.tenantId;
      if (args.domainName) body.domain_name = args.domainName;
      const headers: HeaderOverrides = {
        Authorization: basicAuthorization(args.username, args.password),
        ...(args.mobile ? { 'Wazo-Session-Type': 'mobile' } : {}),
        ...args.headers,
      };
      return client.call({ path: `${base}/token`, method: 'post', body, headers, parse: sessionParser, authenticated: false });
    },

    /** Revokes a token. */
    logOut(token: string): Promise<boolean> {
      return client.call({ path: `${base}/${route`token/${token}`}`, method: 'delete', parse: successResponseParser, authenticated: false });
    },

    /** Whether a token is valid: false for 401/403/404, throws for other failures. */
    async checkToken(token: string): Promise<boolean> {
      try {
        return await client.call({ path: `${base}/${route`token/${token}`}`, method: 'head', parse: successResponseParser, authenticated: false });
      } catch (error) {
        if (error instanceof BadResponse && [401, 403, 404].includes(error.status)) return false;
        throw error;
      }
    },

    /** The session of a token. An unknown token is renewed with the refresh token when there is one. */
    authenticate(token: string): Promise<Session | null> {
      return client.call({ path: `${base}/${route`token/${token}`}`, parse: sessionParser, authenticated: false, tokenInPath: true });
    },

    /** A new token from a refresh token. */
    refreshToken(
      refreshToken: string,
      backend?: string | null,
      expiration?: number | null,
      isMobile?: boolean,
      tenantId?: string | null,
      domainName?: string | null,
    ): Promise<Session | null> {
      const body: Record<string, unknown> = {
        backend: backend || DEFAULT_BACKEND_USER,
        expiration: expiration || DEFAULT_EXPIRATION,
        refresh_token: refreshToken,
        client_id: context.clientId(),
      };
      if (tenantId) body.tenant_id = tenantId;
      if (domainName) body.domain_name = domainName;
      const headers: HeaderOverrides = isMobile ? { 'Wazo-Session-Type': 'mobile' } : {};
      return client.call({ path: `${base}/token`, method: 'post', body, headers, parse: sessionParser, authenticated: false });
    },

    deleteRefreshToken(clientId: string): Promise<boolean> {
      return client.delete(`${base}/${route`users/me/tokens/${clientId}`}`, null, null, successResponseParser);
    },

    listTenants(): Promise<ListResponse> {
      return client.get(`${base}/tenants`);
    },

    createTenant(name: string): Promise<Raw> {
      return client.post(`${base}/tenants`, { name });
    },

    deleteTenant(uuid: UUID): Promise<boolean> {
      return client.delete(`${base}/${route`tenants/${uuid}`}`, null, null, successResponseParser);
    },

    createUser(username: string, password: string, firstname: string, lastname: string): Promise<Raw> {
      return client.post(`${base}/users`, { username, password, firstname, lastname });
    },

    addUserEmail(userUuid: UUID, email: string, main = false): Promise<Raw> {
      return client.put(`${base}/${route`users/${userUuid}/emails`}`, { emails: [{ address: email, main }] });
    },

    /** wazo-auth answers 204: resolves to true (the original rejected with a JSON SyntaxError). */
    addUserPolicy(userUuid: UUID, policyUuid: UUID): Promise<boolean> {
      return client.put(`${base}/${route`users/${userUuid}/policies/${policyUuid}`}`, null, null, successResponseParser);
    },

    deleteUser(userUuid: UUID): Promise<boolean> {
      return client.delete(`${base}/${route`users/${userUuid}`}`, null, null, successResponseParser);
    },

    listUsers(): Promise<ListResponse> {
      return client.get(`${base}/users`);
    },

    listGroups(): Promise<ListResponse> {
      return client.get(`${base}/groups`);
    },

    createPolicy(name: string, description: string, acl: string[]): Promise<Raw> {
      return client.post(`${base}/policies`, { name, description, acl });
    },

    listPolicies(): Promise<ListResponse> {
      return client.get(`${base}/policies`);
    },

    updatePassword(userUuid: UUID, oldPassword: string, newPassword: string): Promise<boolean> {
      const body = { old_password: oldPassword, new_password: newPassword };
      return client.put(`${base}/${route`users/${userUuid}/password`}`, body, null, successResponseParser);
    },
  };
}

export type AuthApi = ReturnType<typeof authApi>;
