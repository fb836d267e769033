// `Wazo.Auth`: login, token validation, refresh wiring and logout for the Simple API.
//
// logIn: POST auth token → confd user + engine infos → subscription/authorization checks (on failure the
// fresh tokens are revoked) → SIP lines → WebSocket. Unlike the original, `logout` really forgets the
// tokens, a wrong password is a single request, and a user whose subscription equals the minimum passes.

import { BACKEND_LDAP_USER, DEFAULT_BACKEND_USER, DEFAULT_EXPIRATION } from '../api/auth';
import type { WazoApiClient } from '../api/wazo-api-client';
import type { FetchOptions } from '../http/api-requester';
import type { Session } from '../domain/session';
import type { SimpleApiClients, SimpleClientOptions } from './api-client';
import { InvalidAuthorization, InvalidSubscription, NoDomainNameError, NoTenantIdError } from './errors';
import type { SimpleWebsocketInstance } from './websocket';

export type RefreshCallback = (token: string, session: Session) => void;

export class SimpleAuth {
  readonly BACKEND_WAZO = DEFAULT_BACKEND_USER;
  readonly BACKEND_LDAP = BACKEND_LDAP_USER;

  clientId: string | null = null;
  expiration = DEFAULT_EXPIRATION;
  minSubscriptionType: number | null = null;
  authorizationName: string | null = null;
  mobile = false;
  session: Session | null = null;
  authenticated = false;
  /** Open `Wazo.Websocket` after login (as the SDK does). */
  openWebsocket = true;
  private fetchOptionsValue: FetchOptions | null = null;
  private onRefreshTokenCallback: RefreshCallback | null = null;
  private onRefreshTokenErrorCallback: ((error: unknown) => void) | null = null;

  constructor(
    private readonly clients: SimpleApiClients,
    private readonly websocket: SimpleWebsocketInstance,
  ) {}

  /** Wires a new client to this Auth's settings; called by the client registry. */
  setupClient(client: WazoApiClient): void {
    client.setClientId(this.clientId);
    client.setRefreshExpiration(this.expiration);
    client.setIsMobile(this.mobile);
    client.setFetchOptions(this.fetchOptionsValue);
    client.setOnRefreshToken((token, session) => {
      if (this.session) {
        this.session.token = token;
        this.session.expiresAt = session.expiresAt;
      }
      this.websocket.updateToken(token);
      this.onRefreshTokenCallback?.(token, session);
    });
    client.setOnRefreshTokenError((error) => this.onRefreshTokenErrorCallback?.(error));
  }

  init(clientId?: string | null, expiration?: number | null, minSubscriptionType?: number | null, authorizationName?: string | null, mobile = false): void {
    this.clientId = clientId ?? null;
    this.expiration = expiration || DEFAULT_EXPIRATION;
    this.minSubscriptionType = minSubscriptionType ?? null;
    this.authorizationName = authorizationName ?? null;
    this.mobile = mobile;
    this.session = null;
    this.authenticated = false;
    for (const client of this.clients.all()) this.setupClient(client);
  }

  setHost(host: string): void {
    this.clients.setHost(host);
  }

  getHost(): string | null {
    return this.clients.host;
  }

  /** Options merged into every fetch (`referrer`, `headers`, …). The seed's name for `setFetchOptions`. */
  fetchOptions(options: FetchOptions | null): void {
    this.setFetchOptions(options);
  }

  setFetchOptions(options: FetchOptions | null): void {
    this.fetchOptionsValue = options;
    for (const client of this.clients.all()) client.setFetchOptions(options);
  }

  /** Not in the SDK: the fetch implementation, agent and timeout of the Simple API's clients. */
  setApiClientOptions(options: SimpleClientOptions): void {
    this.clients.setOptions(options);
  }

  setRequestTimeout(ms: number): void {
    this.clients.setOptions({ requestTimeout: ms });
  }

  setClientId(clientId: string | null): void {
    this.clientId = clientId;
    for (const client of this.clients.all()) client.setClientId(clientId);
  }

  setIsMobile(mobile: boolean): void {
    this.mobile = mobile;
    for (const client of this.clients.all()) client.setIsMobile(mobile);
  }

  setApiToken(token: string | null): void {
    this.api().setToken(token);
  }

  setRefreshToken(refreshToken: string | null): void {
    this.api().setRefreshToken(refreshToken);
  }

  setRefreshDomainName(domainName: string | null): void {
    this.api().setRefreshDomainName(domainName);
  }

  /** @deprecated use `setRefreshDomainName`. */
  setRefreshTenantId(tenantId: string | null): void {
    this.api().setRefreshTenantId(tenantId);
  }

  setOnRefreshToken(callback: RefreshCallback | null): void {
    this.onRefreshTokenCallback = callback;
  }

  setOnRefreshTokenError(callback: ((error: unknown) => void) | null): void {
    this.onRefreshTokenErrorCallback = callback;
  }

  forceRefreshToken(): Promise<string | null> {
    return this.api().forceRefreshToken();
  }

  /**
   * `extra`: a tenant id (string, deprecated) or `{ domainName }`. A backend other than `wazo_user` needs
   * one of them.
   */
  async logIn(username: string, password: string, backend?: string | null, extra?: string | { domainName?: string | null } | null): Promise<Session | null> {
    const tenantId = typeof extra === 'string' ? extra : null;
    const domainName = extra && typeof extra === 'object' ? extra.domainName ?? null : null;
    if (backend && backend !== DEFAULT_BACKEND_USER && !tenantId && !domainName) {
      if (extra && typeof extra === 'object') throw new NoDomainNameError('No domain name');
      throw new NoTenantIdError('No tenant id');
    }
    this.authenticated = false;
    this.session = null;
    const client = this.api();
    const session = await client.auth.logIn({ username, password, backend, tenantId, domainName, expiration: this.expiration, mobile: this.mobile });
    if (backend) client.setRefreshBackend(backend);
    if (tenantId) client.setRefreshTenantId(tenantId);
    if (domainName) client.setRefreshDomainName(domainName);
    return this.onAuthenticated(session);
  }

  async logInViaRefreshToken(refreshToken: string): Promise<Session | null> {
    const session = await this.api().auth.refreshToken(refreshToken, null, this.expiration, this.mobile);
    if (session && !session.refreshToken) session.refreshToken = refreshToken;
    return this.onAuthenticated(session);
  }

  generateNewToken(refreshToken: string): Promise<Session | null> {
    return this.api().auth.refreshToken(refreshToken, null, this.expiration, this.mobile);
  }

  /** The session of a stored token (renewed with `refreshToken` if it expired); null when invalid. */
  async validateToken(token: string, refreshToken?: string | null): Promise<Session | null> {
    if (!token) return null;
    if (refreshToken) this.api().setRefreshToken(refreshToken);
    try {
      return await this.onAuthenticated(await this.api().auth.authenticate(token));
    } catch {
      return null;
    }
  }

  /** Closes the WebSocket, revokes the refresh token (optional) and the token, then forgets both. */
  async logout(deleteRefreshToken = true): Promise<void> {
    const client = this.api();
    this.websocket.close(true);
    const token = this.session?.token ?? client.token;
    try {
      if (this.clientId && deleteRefreshToken && client.token) await client.auth.deleteRefreshToken(this.clientId);
    } catch {
      // Revocation is best effort: the local session ends anyway.
    }
    try {
      if (token) await client.auth.logOut(token);
    } catch {
      // Same.
    }
    for (const c of this.clients.all()) {
      c.setToken(null);
      c.setRefreshToken(null);
    }
    this.session = null;
    this.authenticated = false;
  }

  getSession(): Session | null {
    return this.session;
  }

  getFirstName(): string {
    return this.session?.profile?.firstName ?? '';
  }

  getLastName(): string {
    return this.session?.profile?.lastName ?? '';
  }

  getName(): string {
    return `${this.getFirstName()} ${this.getLastName()}`.trim();
  }

  checkAuthorizations(session: Session, authorizationName: string | null): void {
    if (authorizationName && !session.hasAuthorization(authorizationName)) {
      throw new InvalidAuthorization(`No authorization '${authorizationName}' found for your account.`);
    }
  }

  checkSubscription(session: Session, minSubscriptionType: number): void {
    const type = session.profile?.subscriptionType ?? null;
    if (type === null || type < minSubscriptionType) {
      throw new InvalidSubscription(`Invalid subscription ${type ?? 'n/a'}, required at least ${minSubscriptionType}`);
    }
  }

  private api(): WazoApiClient {
    return this.clients.get();
  }

  private async onAuthenticated(session: Session | null): Promise<Session | null> {
    if (!session) return null;
    const client = this.api();
    client.setToken(session.token);
    if (session.refreshToken) client.setRefreshToken(session.refreshToken);

    try {
      const [profile, infos] = await Promise.all([client.confd.getUser(session.uuid ?? 'me'), client.confd.getInfos()]);
      session.profile = profile;
      session.engineVersion = infos.wazo_version ?? null;
      this.checkAuthorizations(session, this.authorizationName);
      if (this.minSubscriptionType !== null) this.checkSubscription(session, this.minSubscriptionType);
    } catch (error) {
      await this.revoke(client, session);
      throw error;
    }

    const lineIds = session.profile.lines.filter((line) => !line.isSccp()).map((line) => line.id);
    const sipLines = await client.confd.getUserLinesSip(session.uuid ?? 'me', lineIds);
    session.profile.sipLines = sipLines.filter((line): line is NonNullable<typeof line> => line !== null);

    this.session = session;
    this.authenticated = true;
    const host = this.getHost();
    if (this.openWebsocket && host) this.websocket.open(host, session);
    return session;
  }

  // A login refused by our own checks must not leave valid credentials behind.
  private async revoke(client: WazoApiClient, session: Session): Promise<void> {
    try {
      if (this.clientId && session.refreshToken) await client.auth.deleteRefreshToken(this.clientId);
    } catch {
      // best effort
    }
    try {
      await client.auth.logOut(session.token);
    } catch {
      // best effort
    }
    client.setToken(null);
    client.setRefreshToken(null);
  }
}
