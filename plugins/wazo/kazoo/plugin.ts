// The Wazo login for the legacy `kazoo` phone, installed with the facade's plugin hook:
//
//   kazoo.use(Wazo.kazooPlugin);
//   await kazoo.plugins.wazo.logIn({ server: 'stack.example.com', username, password, onConnected, onIncoming, onError });
//   kazoo.plugins.wazo.call('1002');            // = kazoo.connect('sip:1002@stack.example.com')
//   await kazoo.plugins.wazo.logout();          // unregisters, closes websocketd, revokes the tokens
//
// logIn: Wazo.Auth.logIn (token, confd user, the lines' merged SIP endpoints, websocketd opened) → the
// user's WebRTC line → kazoo.register() on wss://{server}/api/asterisk/ws with that line's credentials
// (no SIP setting typed by hand); the page's other register() parameters (callbacks, ICE servers, …) go
// through unchanged. The token is renewed before it expires. The facade knows none of this: it only
// calls install(kazoo), and this plugin drives `kazoo` through its public methods.

import type { Kazoo, KazooError, KazooPlugin, RegisterParams } from '../../../entries/exports';
import type { WazoApiClient } from '../api/wazo-api-client';
import type { Session } from '../domain/session';
import type { SipLine } from '../domain/sip-line';
import Wazo from '../simple/index';
import type { SimpleAuth } from '../simple/auth';
import type { SimpleWebsocketInstance } from '../simple/websocket';
import { SOCKET_EVENTS } from '../websocket/events';
import { deliverError, fromWazoFailure, wazoError } from './errors';
import { TokenRenewal } from './token-renewal';

/** `kazoo.plugins.wazo`, the name the plugin installs under */
export const WAZO_PLUGIN_NAME = 'wazo';
/** the Wazo.Auth client id the plugin logs in with unless told (a refresh token is per user and client id) */
export const DEFAULT_CLIENT_ID = 'kazoo-js';

/** kazoo.register()'s parameters that the Wazo line decides: the page cannot give them here */
type LineDecided = 'wsUrl' | 'rtmpUrl' | 'rtmpTunnelUrl' | 'realm' | 'privateIdentity' | 'publicIdentity' | 'password' | 'forceRTMP';

/** `kazoo.plugins.wazo.logIn(params)`: Wazo credentials, plus any kazoo.register() parameter but the SIP settings */
export interface WazoLogInParams extends Omit<RegisterParams, LineDecided> {
  /** the Wazo stack, `host[:port]` (what Wazo.Auth.setHost takes) */
  server: string;
  username: string;
  /** the Wazo (wazo-auth) password, not a SIP one */
  password: string;
  /** wazo-auth backend (default `wazo_user`); another backend needs `domainName` */
  backend?: string;
  domainName?: string;
  /** Wazo.Auth client id: the login asks for a refresh token under it (default `kazoo-js`) */
  clientId?: string;
  /** token lifetime asked of wazo-auth, seconds (default Wazo.Auth's, 3600); renewed at 80 % of it */
  expiration?: number;
}

/** The plugin's API, `kazoo.plugins.wazo` */
export interface WazoKazoo {
  /**
   * Logs in to Wazo and registers `kazoo` on the user's WebRTC line. Resolves with the Wazo session once
   * register() was called (then onConnected or onError, as for any register()); on failure the catalogue
   * error goes to onError (or the console) and it resolves null.
   */
  logIn(params: WazoLogInParams): Promise<Session | null>;
  /** unregisters `kazoo`, closes websocketd and revokes the tokens */
  logout(): Promise<void>;
  /** calls a Wazo extension (or user) on the logged-in stack: kazoo.connect('sip:{extension}@{host}') */
  call(extension: string): void;
  /** whether logIn() has succeeded and logout() was not called since */
  readonly isLoggedIn: boolean;
  readonly session: Session | null;
  /** the WebRTC line `kazoo` registered on */
  readonly line: SipLine | null;
  /** the Simple API objects the plugin works with (Wazo.Auth and Wazo.Websocket by default) */
  readonly Auth: SimpleAuth;
  readonly Websocket: SimpleWebsocketInstance;
  /** the REST client of the logged-in stack (confd, calld, dird, …) */
  readonly api: WazoApiClient;
}

declare module '../../../entries/exports' {
  interface KazooPlugins {
    /** present once `kazoo.use(Wazo.kazooPlugin)` ran (dist/kazoo-wazo.js) */
    wazo?: WazoKazoo;
  }
}

export interface WazoKazooDependencies {
  Auth: SimpleAuth;
  Websocket: SimpleWebsocketInstance;
  getApiClient(): WazoApiClient;
}

/** `wss://{server}/api/asterisk/ws`: where Wazo (Asterisk behind nginx) takes SIP over WebSocket */
export const sipWebSocketUrl = (server: string): string => `wss://${server}/api/asterisk/ws`;

/** host[:port] → the SIP domain (the host); null when it is not a host */
function domainOf(server: string): string | null {
  if (!server || /[\s/?#@]/.test(server)) return null;
  try {
    return new URL(`https://${server}`).hostname || null;
  } catch {
    return null;
  }
}

class WazoKazooPlugin implements WazoKazoo {
  private loggedIn = false;
  private busy = false;
  private domain = '';
  private onError: ((e: KazooError) => void) | undefined;
  private readonly renewal: TokenRenewal;
  line: SipLine | null = null;

  constructor(private readonly kazoo: Kazoo, private readonly deps: WazoKazooDependencies) {
    this.renewal = new TokenRenewal({
      expiresAt: () => this.session?.expiresAt ?? null,
      renew: () => deps.Auth.forceRefreshToken(),
      onFailure: (error, expired) => this.report(expired ? wazoError('disconnected', 'auth', { reason: 'the Wazo token expired and could not be renewed' }) : fromWazoFailure(error, 'auth')),
    });
    // websocketd refusing our token (it expired, or was revoked elsewhere) ends its connection for good
    for (const event of [SOCKET_EVENTS.ON_AUTH_FAILED, SOCKET_EVENTS.ON_AUTH_EXPIRED]) {
      deps.Websocket.on(event, () => {
        if (this.loggedIn) this.report(wazoError('disconnected', 'websocketd', { reason: `websocketd: ${event}` }));
      });
    }
  }

  get Auth(): SimpleAuth { return this.deps.Auth; }
  get Websocket(): SimpleWebsocketInstance { return this.deps.Websocket; }
  get api(): WazoApiClient { return this.deps.getApiClient(); }
  get session(): Session | null { return this.loggedIn ? this.deps.Auth.getSession() : null; }
  get isLoggedIn(): boolean { return this.loggedIn; }

  async logIn(params: WazoLogInParams): Promise<Session | null> {
    if (typeof params !== 'object' || params === null) throw new TypeError('kazoo.plugins.wazo.logIn(params) takes an object');
    const { server, username, password, backend, domainName, clientId, expiration, ...registerParams } = params;
    const fail = (error: KazooError): null => {
      deliverError(error, params.onError);
      return null;
    };
    // (a `kazoo` registered by hand gets already_registered from register() itself)
    if (this.loggedIn || this.busy) return fail(wazoError('already_registered', 'auth'));
    const domain = typeof server === 'string' ? domainOf(server.trim()) : null;
    if (!domain) return fail(wazoError('missing_parameter', 'auth', { parameter: 'server' }));
    if (typeof username !== 'string' || !username) return fail(wazoError('missing_parameter', 'auth', { parameter: 'username' }));
    if (typeof password !== 'string' || !password) return fail(wazoError('missing_parameter', 'auth', { parameter: 'password' }));
    // Wazo lines are WebRTC lines: a page that chose RTMP cannot use one
    if (this.kazoo.version === 'rtmp') return fail(wazoError('transport_unavailable', 'sip', { reason: 'Wazo lines take WebRTC; init() chose RTMP' }));

    this.busy = true;
    try {
      const { Auth } = this.deps;
      Auth.init(clientId ?? DEFAULT_CLIENT_ID, expiration ?? null);
      Auth.setHost(server.trim());
      let session: Session | null;
      try {
        session = await Auth.logIn(username, password, backend ?? null, domainName ? { domainName } : null);
      } catch (error) {
        return fail(fromWazoFailure(error, 'auth'));
      }
      if (!session) return fail(wazoError('unauthorized', 'auth'));
      const line = session.profile?.sipLines.find((l) => l.isWebRtc()) ?? null;
      if (!line) {
        await Auth.logout().catch(() => undefined);
        return fail(wazoError('registration_failed', 'confd', { reason: 'this Wazo user has no WebRTC line' }));
      }
      this.line = line;
      this.domain = domain;
      this.onError = params.onError;
      this.loggedIn = true;
      this.renewal.start();
      this.kazoo.register({
        ...registerParams,
        wsUrl: sipWebSocketUrl(server.trim()),
        privateIdentity: line.username,
        publicIdentity: `sip:${line.username}@${domain}`,
        realm: domain,
        password: line.secret,
        displayName: registerParams.displayName ?? (session.displayName || undefined),
      });
      return session;
    } finally {
      this.busy = false;
    }
  }

  /** ends what logIn() started only: a `kazoo` registered by hand is left alone */
  async logout(): Promise<void> {
    if (!this.loggedIn) return;
    this.renewal.stop();
    this.loggedIn = false;
    this.line = null;
    try {
      await this.kazoo.logout();
    } finally {
      await this.deps.Auth.logout();
    }
  }

  call(extension: string): void {
    if (typeof extension !== 'string' || !/^[^\s@:<>"]+$/.test(extension)) throw new TypeError('kazoo.plugins.wazo.call(extension) takes an extension, e.g. "1002"');
    if (!this.loggedIn) return deliverError(wazoError('not_registered', 'sip'), this.onError ?? this.kazoo.params?.onError);
    this.kazoo.connect(`sip:${extension}@${this.domain}`);
  }

  private report(error: KazooError): void {
    deliverError(error, this.onError ?? this.kazoo.params?.onError);
  }
}

/** A plugin on given Simple API objects (tests, or a page with several stacks); `kazooPlugin` uses Wazo's own. */
export function createKazooPlugin(deps: WazoKazooDependencies): KazooPlugin<WazoKazoo> {
  return { name: WAZO_PLUGIN_NAME, install: (kazoo) => new WazoKazooPlugin(kazoo, deps) };
}

/** `kazoo.use(Wazo.kazooPlugin)`: the plugin on Wazo.Auth and Wazo.Websocket */
export const kazooPlugin: KazooPlugin<WazoKazoo> = createKazooPlugin({
  Auth: Wazo.Auth,
  Websocket: Wazo.Websocket,
  getApiClient: () => Wazo.getApiClient(),
});
