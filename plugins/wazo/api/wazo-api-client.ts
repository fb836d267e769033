// WazoApiClient: one ApiRequester shared by every service module, plus the refresh-token state.

import { ApiRequester, type FetchOptions } from '../http/api-requester';
import { reportSecret } from '../http/diagnostics';
import type { FetchLike } from '../http/types';
import type { Session } from '../domain/session';
import agentdApi from './agentd';
import applicationApi from './application';
import authApi, { DEFAULT_BACKEND_USER, DEFAULT_EXPIRATION } from './auth';
import calldApi from './calld';
import callLogdApi from './call-logd';
import chatdApi from './chatd';
import confdApi from './confd';
import ctidNgApi from './ctid-ng';
import dirdApi from './dird';

/** Where each service lives under `https://{server}/api/`. */
export const SERVICE_PATHS = {
  auth: 'auth/0.1',
  application: 'calld/1.0/applications',
  calld: 'calld/1.0',
  ctidNg: 'ctid-ng/1.0',
  confd: 'confd/1.1',
  dird: 'dird/0.1',
  agentd: 'agentd/1.0',
  callLogd: 'call-logd/1.0',
  chatd: 'chatd/1.0',
} as const;

export interface WazoApiClientOptions {
  /** `host[:port]` (https), or a full `https://…`/`http://…` origin. */
  server: string;
  agent?: unknown;
  clientId?: string | null;
  isMobile?: boolean;
  token?: string | null;
  refreshToken?: string | null;
  fetchOptions?: FetchOptions;
  requestTimeout?: number;
  fetch?: FetchLike;
}

export type OnRefreshToken = (token: string, session: Session) => void;
export type OnRefreshTokenError = (error: unknown) => void;

export class WazoApiClient {
  readonly client: ApiRequester;
  readonly auth: ReturnType<typeof authApi>;
  readonly application: ReturnType<typeof applicationApi>;
  readonly calld: ReturnType<typeof calldApi>;
  readonly ctidNg: ReturnType<typeof ctidNgApi>;
  readonly confd: ReturnType<typeof confdApi>;
  readonly dird: ReturnType<typeof dirdApi>;
  readonly agentd: ReturnType<typeof agentdApi>;
  readonly callLogd: ReturnType<typeof callLogdApi>;
  readonly chatd: ReturnType<typeof chatdApi>;

  refreshToken: string | null = null;
  clientId: string | null;
  isMobile: boolean;
  refreshExpiration: number = DEFAULT_EXPIRATION;
  refreshBackend: string = DEFAULT_BACKEND_USER;
  refreshTenantId: string | null = null;
  refreshDomainName: string | null = null;
  onRefreshToken: OnRefreshToken | null = null;
  onRefreshTokenError: OnRefreshTokenError | null = null;

  constructor(options: WazoApiClientOptions) {
    this.clientId = options.clientId ?? null;
    this.isMobile = options.isMobile ?? false;
    this.client = new ApiRequester({
      server: options.server,
      agent: options.agent,
      clientId: this.clientId,
      token: options.token,
      fetchOptions: options.fetchOptions,
      requestTimeout: options.requestTimeout,
      fetch: options.fetch,
      refreshTokenCallback: () => this.refreshTokenCallback(),
    });
    this.setRefreshToken(options.refreshToken ?? null);

    this.auth = authApi(this.client, SERVICE_PATHS.auth, { clientId: () => this.clientId });
    this.application = applicationApi(this.client, SERVICE_PATHS.application);
    this.ctidNg = ctidNgApi(this.client, SERVICE_PATHS.ctidNg);
    this.calld = calldApi(this.client, SERVICE_PATHS.calld, this.ctidNg);
    this.confd = confdApi(this.client, SERVICE_PATHS.confd);
    this.dird = dirdApi(this.client, SERVICE_PATHS.dird);
    this.agentd = agentdApi(this.client, SERVICE_PATHS.agentd);
    this.callLogd = callLogdApi(this.client, SERVICE_PATHS.callLogd);
    this.chatd = chatdApi(this.client, SERVICE_PATHS.chatd);
  }

  get server(): string {
    return this.client.server;
  }

  get token(): string | null {
    return this.client.token;
  }

  updateParameters({ server, agent }: { server?: string; agent?: unknown }): void {
    if (server) this.client.server = server;
    if (agent !== undefined) this.client.agent = agent;
  }

  setToken(token: string | null): void {
    this.client.setToken(token);
  }

  setTenant(tenant: string | null): void {
    this.client.setTenant(tenant);
  }

  setRefreshToken(refreshToken: string | null): void {
    this.refreshToken = refreshToken || null;
    reportSecret(this.refreshToken);
  }

  setRefreshExpiration(seconds: number): void {
    this.refreshExpiration = seconds;
  }

  /** The seed's name for `setRefreshExpiration`. */
  setRefreshTokenExpiration(seconds: number): void {
    this.setRefreshExpiration(seconds);
  }

  setRefreshBackend(backend: string): void {
    this.refreshBackend = backend;
  }

  /** @deprecated wazo-auth prefers the domain name: use `setRefreshDomainName`. */
  setRefreshTenantId(tenantId: string | null): void {
    this.refreshTenantId = tenantId;
  }

  setRefreshDomainName(domainName: string | null): void {
    this.refreshDomainName = domainName;
  }

  setIsMobile(isMobile: boolean): void {
    this.isMobile = isMobile;
  }

  setClientId(clientId: string | null): void {
    this.clientId = clientId;
    this.client.clientId = clientId;
  }

  setOnRefreshToken(callback: OnRefreshToken | null): void {
    this.onRefreshToken = callback;
  }

  setOnRefreshTokenError(callback: OnRefreshTokenError | null): void {
    this.onRefreshTokenError = callback;
  }

  setFetchOptions(options: FetchOptions | null): void {
    this.client.setFetchOptions(options);
  }

  setRequestTimeout(ms: number): void {
    this.client.setRequestTimeout(ms);
  }

  /** Renews the token now; concurrent calls (and 401-triggered renewals) share one request. */
  forceRefreshToken(): Promise<string | null> {
    return this.client.forceRefresh();
  }

  /**
   * Used by the requester when the token is rejected. Null when there is no refresh token; throws when
   * the renewal fails. The new token is installed before `onRefreshToken` runs, and a throwing callback
   * cannot undo the renewal.
   */
  async refreshTokenCallback(): Promise<string | null> {
    if (!this.refreshToken) return null;
    try {
      const session = await this.auth.refreshToken(
        this.refreshToken,
        this.refreshBackend,
        this.refreshExpiration,
        this.isMobile,
        this.refreshTenantId,
        this.refreshDomainName,
      );
      if (!session) throw new Error('wazo-auth returned no token');
      this.client.setToken(session.token);
      try {
        this.onRefreshToken?.(session.token, session);
      } catch (error) {
        console.error(error);
      }
      return session.token;
    } catch (error) {
      this.onRefreshTokenError?.(error);
      throw error;
    }
  }
}
