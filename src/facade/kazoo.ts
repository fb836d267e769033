import { makeError } from '../catalogue/make';
import type { KazooError } from '../catalogue/events';
import type { ErrorKey } from '../catalogue/catalogue';
import { Phone } from '../phone/phone';
import type { Call } from '../phone/call';
import { deviceIdentity, type KeyValueStore } from '../phone/device-identity';
import { detectEnvironment, selectTransport } from '../phone/select-transport';
import { reconnectOptionsFrom } from '../monitors/reconnect';
import type { Clock } from '../../protocol/clock';
import { systemClock } from '../../protocol/clock';
import type { NetworkEnvironment } from '../monitors/connectivity';
import { normaliseIdentity } from '../sip/uri';
import type { RegistrationSettings, TransportFactory, TransportName } from '../transport';
import { consoleSink, createLogger, type LogSink } from '../util/logger';
import { REGISTER_DEFAULTS, type InitParams, type RegisterParams } from './params';

export const VERSION = '0.1.0';

/** The global `kazoo` object: the 2014 Kazoo JS Library API. */
export interface Kazoo {
  init(params: InitParams): void;
  register(params: RegisterParams): void;
  connect(sipUri: string): void;
  hangup(): void;
  sendDTMF(tone: string): void;
  logout(): Promise<void>;
  transfer(sipUri: string): void;
  muteMicrophone(mute: boolean, success?: () => void, error?: (error: KazooError) => void): void;
  reconnect(): void;
  startAutoReconnect(): void;
  stopAutoReconnect(): void;
  monitorConnectivity(enabled?: boolean): void;
  /** `{status, time}` of the online/offline changes seen since init() (the last 100; the 2014 library had it too) */
  getConnectivityHistory(): { status: 'online' | 'offline'; time: Date }[];
  /** 'webrtc' or 'rtmp' once init() ran, as the 2014 library set it */
  readonly version: TransportName | undefined;
  /** the object last given to register() */
  readonly params: RegisterParams | undefined;
  readonly isReconnecting: boolean;
  readonly reconnectAttempt: number;
  /** the call in progress, if any */
  readonly currentCall: Call | null;
  /**
   * Installs an optional add-on (e.g. the Wazo login of dist/kazoo-wazo.js: `kazoo.use(Wazo.kazooPlugin)`)
   * and returns its API, also reachable as `kazoo.plugins[plugin.name]`. Installing the same plugin again
   * returns that API without a second install(); another plugin of the same name is a TypeError.
   */
  use<Api>(plugin: KazooPlugin<Api>): Api;
  /** the installed plugins' APIs, by name */
  readonly plugins: KazooPlugins;
}

/**
 * All the facade knows of a plugin: a name (letters, digits, `_`) and an install() that gets the
 * `kazoo` object and returns the plugin's API. Plugins drive `kazoo` through its public methods only.
 */
export interface KazooPlugin<Api = unknown> {
  readonly name: string;
  install(kazoo: Kazoo): Api;
}

/** `kazoo.plugins`; a plugin declares its entry by augmenting this interface (plugins/wazo/kazoo-plugin.ts) */
export interface KazooPlugins {
  [name: string]: unknown;
}

export interface KazooOptions {
  transports: Partial<Record<TransportName, TransportFactory>>;
  clock?: Clock;
  network?: NetworkEnvironment;
  storage?: KeyValueStore | null;
  logSink?: LogSink | null;
  /** called by init({debug}) so the transports can switch their own logging on */
  setDebug?: (enabled: boolean) => void;
  /** whether a transport can run here (its factory may exist where the browser lacks what it needs) */
  available?: Partial<Record<TransportName, () => boolean>>;
  /** transports whose code is fetched when init() picks them (dist/kazoo.js fetches RTMP's this way) */
  load?: Partial<Record<TransportName, TransportLoader>>;
}

/** Fetches a transport's code (from `scriptUrl` when the page gave one). */
export type TransportLoader = (scriptUrl: string | undefined) => Promise<OnDemandTransport>;

/** What an on-demand transport's code hands over once it has been fetched. */
export interface OnDemandTransport {
  factory: TransportFactory;
  available: () => boolean;
}

export function browserNetwork(): NetworkEnvironment {
  const g = globalThis as { navigator?: { onLine?: boolean }; addEventListener?: Window['addEventListener']; removeEventListener?: Window['removeEventListener'] };
  return {
    isOnline: () => (typeof g.navigator?.onLine === 'boolean' ? g.navigator.onLine : undefined),
    addEventListener: g.addEventListener?.bind(g),
    removeEventListener: g.removeEventListener?.bind(g),
  };
}

function sessionStore(): KeyValueStore | null {
  try {
    return (globalThis as { sessionStorage?: KeyValueStore }).sessionStorage ?? null;
  } catch {
    return null; // sandboxed iframes throw on access
  }
}

function flashContainer(id: string | undefined): HTMLElement | null {
  if (typeof document === 'undefined') return null;
  const existing = id ? document.getElementById(id) : null;
  if (existing) return existing;
  const div = document.createElement('div');
  div.id = 'kazooVideoPlayer';
  (document.body ?? document.documentElement).appendChild(div);
  return div;
}

const isObject = (v: unknown): boolean => typeof v === "object" && v !== null;

/** the phone's events that go to the page's `on<Event>` callback of register()'s params */
const PAGE_EVENTS = ['connected', 'incoming', 'accepted', 'hangup', 'cancel', 'transfer', 'notified'] as const;
type PageCallback = `on${Capitalize<(typeof PAGE_EVENTS)[number]>}` & keyof RegisterParams;

/**
 * Builds a `kazoo` object. The facade only checks and translates arguments; the engine (Phone) does
 * the work, on the transport that init() picks.
 */
export function createKazooFacade(options: KazooOptions): Kazoo {
  let debug = false;
  const logger = createLogger(options.logSink === undefined ? consoleSink : options.logSink, () => debug);
  const clock = options.clock ?? systemClock;
  const network = options.network ?? browserNetwork();
  const storage = options.storage === undefined ? sessionStore() : options.storage;
  let protocol: TransportName | undefined;
  let phone: Phone | null = null;
  let params: RegisterParams | undefined;
  /** the page's last monitorConnectivity() choice: it holds across init() and applies to every phone */
  let connectivityWanted = true;

  /**
   * To the page's onError, or — before register() gave one, or when the page has none — to the console
   * as an error with the catalogue key and message (`[kazoo] not_registered: Not registered: …`), so
   * that a kazoo.connect() before register() is never silent.
   */
  const deliver = (error: KazooError, onError: RegisterParams['onError']) => {
    if (onError) onError(error);
    else logger.error(`${error.key}: ${error.message}`);
  };
  type ErrorDetails = Partial<Omit<KazooError, 'key' | 'message'>>;
  const engineError = (key: ErrorKey, extra?: ErrorDetails) => makeError(key, { source: { protocol: 'engine' }, ...extra });
  const report = (key: ErrorKey, extra?: ErrorDetails) => deliver(engineError(key, extra), params?.onError);

  function newPhone(factory: TransportFactory): Phone {
    const p = new Phone({ createTransport: () => factory({ logger }), clock, network, logger }, reconnectOptionsFrom(undefined, undefined));
    p.monitorConnectivity(connectivityWanted);
    // the page's callbacks (onConnected for 'connected', …) are read at each event, as register() may
    // bring new ones, and get exactly the event's arguments
    for (const event of PAGE_EVENTS) {
      const callback = `on${event[0].toUpperCase()}${event.slice(1)}` as PageCallback;
      p.on(event, (...args: unknown[]) => (params?.[callback] as ((...a: unknown[]) => void) | undefined)?.(...args));
    }
    p.on('error', (e) => deliver(e, params?.onError));
    return p;
  }

  // init() fetching a transport's code: register() waits for it, a newer init() supersedes it
  let loading: Promise<void> | null = null;
  let initCount = 0;

  function init(initParams: InitParams): void {
    if (!isObject(initParams)) throw new TypeError('kazoo.init(params) takes an object');
    if (initParams.rtmpScriptUrl !== undefined && typeof initParams.rtmpScriptUrl !== 'string') {
      throw new TypeError('kazoo.init: rtmpScriptUrl must be the URL of kazoo-rtmp-transport.js');
    }
    if (phone?.engine.isActive) return report('already_registered');
    debug = !!initParams.debug;
    options.setDebug?.(debug);
    const chosen = selectTransport(detectEnvironment(!!initParams.forceRTMP));
    const thisInit = ++initCount;
    protocol = chosen;
    phone = null;
    const announce = () => {
      if (thisInit !== initCount) return;
      if (phone) initParams.onLoaded?.();
      else initParams.onFlashMissing?.(flashContainer(initParams.flashContainer));
    };
    const fetchCode = options.transports[chosen] ? undefined : options.load?.[chosen];
    if (!fetchCode) {
      loading = null;
      const factory = options.transports[chosen];
      phone = factory && (options.available?.[chosen]?.() ?? true) ? newPhone(factory) : null;
      queueMicrotask(announce);
      return;
    }
    const url = initParams.rtmpScriptUrl || undefined;
    const pending: Promise<void> = fetchCode(url)
      .then(
        (t) => {
          if (thisInit !== initCount) return;
          try {
            phone = t.available() ? newPhone(t.factory) : null;
          } catch (e) {
            logger.warn(`the ${chosen} transport cannot run here: ${(e as Error).message}`);
          }
        },
        (e: unknown) => logger.warn(`the ${chosen} transport could not be loaded: ${(e as Error).message}`),
      )
      .then(announce)
      .finally(() => {
        if (loading === pending) loading = null;
      });
    loading = pending;
  }

  function settingsFrom(p: RegisterParams): RegistrationSettings | { missing: string } {
    const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
    // register() has run init(): the protocol is RTMP or else WebRTC
    const rtmp = protocol === 'rtmp';
    const url = str(rtmp ? p.rtmpUrl : p.wsUrl);
    if (!rtmp && !/^wss?:\/\/[^\s/]+/i.test(url)) return { missing: 'wsUrl' };
    if (rtmp && !/^rtmpt?s?:\/\/[^\s/]+/i.test(url)) return { missing: 'rtmpUrl' };
    const tunnel = str(p.rtmpTunnelUrl);
    if (rtmp && tunnel && !/^wss?:\/\/[^\s/]+/i.test(tunnel)) return { missing: 'rtmpTunnelUrl' };
    const identity = normaliseIdentity(str(p.privateIdentity), str(p.publicIdentity), str(p.realm));
    if (!identity) return { missing: str(p.privateIdentity) || str(p.publicIdentity) ? 'realm' : 'privateIdentity' };
    if (typeof p.password !== 'string' || (!rtmp && !p.password)) return { missing: 'password' };
    const realm = str(p.realm) || identity.aor.replace(/^sips?:[^@]*@/, '').replace(/[;:].*$/, '');
    const device = deviceIdentity(identity.aor, storage);
    return {
      aor: identity.aor,
      authUser: identity.authUser,
      password: p.password,
      realm,
      displayName: p.displayName,
      wsUrl: rtmp ? undefined : url,
      rtmpUrl: rtmp ? url : undefined,
      rtmpTunnelUrl: rtmp && tunnel ? tunnel : undefined,
      instanceId: typeof p.instanceId === 'string' && p.instanceId ? p.instanceId : device.instanceId,
      contactUri: device.contactUri,
      registerExpires: Number(p.registerExpires) > 0 ? Math.round(Number(p.registerExpires)) : REGISTER_DEFAULTS.registerExpires,
      iceServers: Array.isArray(p.iceServers) ? p.iceServers : [],
      fastIce: p.fastIce ?? REGISTER_DEFAULTS.fastIce,
      iceGatheringTimeout: Number(p.iceGatheringTimeout) > 0 ? Number(p.iceGatheringTimeout) : REGISTER_DEFAULTS.iceGatheringTimeout,
      dtmfType: p.dtmfType === 'rfc2833' ? 'rfc2833' : REGISTER_DEFAULTS.dtmfType,
      mediaTimeout: typeof p.mediaTimeout === 'number' && p.mediaTimeout >= 0 ? Math.round(p.mediaTimeout) : REGISTER_DEFAULTS.mediaTimeout,
      userAgent: `kazoo-js/${VERSION}`,
    };
  }

  function register(p: RegisterParams): void {
    if (!isObject(p)) throw new TypeError('kazoo.register(params) takes an object');
    // keep the registered page's callbacks: the error goes to the new params' onError
    if (phone?.engine.isActive) return deliver(engineError('already_registered'), p.onError);
    if (!protocol) init({ forceRTMP: !!p.forceRTMP });
    // a page may register before onLoaded: it then runs once the transport's code has arrived
    if (loading) return void loading.then(() => register(p));
    params = p;
    if (!phone) return report('transport_unavailable', { source: { protocol: 'engine', transport: protocol } });
    const settings = settingsFrom(p);
    if ('missing' in settings) return report('missing_parameter', { parameter: settings.missing });
    try {
      phone.register(settings, reconnectOptionsFrom(p.reconnectMaxAttempts, p.reconnectDelay));
    } catch (e) {
      report('transport_unavailable', { source: { protocol: 'engine', reason: (e as Error).message } });
    }
  }

  const needPhone = (): Phone | null => {
    if (!phone) report('not_registered');
    return phone;
  };
  const needString = (name: string, v: unknown) => {
    if (typeof v !== 'string') throw new TypeError(`kazoo.${name}() takes a string`);
  };

  // kazoo.use(): the installed plugins' APIs, and which plugin owns each name (names start with a
  // letter, so none reaches Object.prototype's `__proto__`; owners is checked before plugins is read)
  const plugins: KazooPlugins = {};
  const owners = new Map<string, KazooPlugin>();

  const kazoo: Kazoo = {
    init,
    register,
    connect: (uri) => { needString('connect', uri); needPhone()?.connect(uri); },
    hangup: () => needPhone()?.hangup(),
    sendDTMF: (tone) => { needString('sendDTMF', tone); needPhone()?.sendDTMF(tone); },
    transfer: (uri) => { needString('transfer', uri); needPhone()?.transfer(uri); },
    logout: async () => { await phone?.logout(); },
    muteMicrophone(mute, success, error) {
      if (typeof mute !== 'boolean') throw new TypeError('kazoo.muteMicrophone(mute) takes a boolean');
      const failure = phone ? phone.mute(mute) : engineError('not_registered');
      if (!failure) success?.();
      else deliver(failure, error ?? params?.onError);
    },
    reconnect: () => needPhone()?.reconnect(),
    startAutoReconnect: () => needPhone()?.engine.startAutoReconnect(),
    stopAutoReconnect: () => phone?.engine.stopAutoReconnect(),
    monitorConnectivity(enabled = true) {
      // only `false` turns it off, as in the 2014 code; remembered, so a call before init() (or a later
      // init()) is not lost: the next phone starts with the page's choice
      connectivityWanted = enabled !== false;
      phone?.monitorConnectivity(connectivityWanted);
    },
    getConnectivityHistory: () => phone?.engine.connectivityHistory ?? [],
    get version() { return protocol; },
    get params() { return params; },
    get isReconnecting() { return !!phone?.engine.isReconnecting; },
    get reconnectAttempt() { return phone?.engine.reconnectAttempt ?? 0; },
    get currentCall() { return phone?.currentCall ?? null; },
    plugins,
    use(plugin) {
      const name = isObject(plugin) ? plugin.name : 0;
      const owner = owners.get(name as string);
      if (typeof name != 'string' || !/^[a-z]\w*$/i.test(name) || typeof plugin.install != 'function' || (owner && owner !== plugin)) {
        throw new TypeError('kazoo.use(plugin) takes {name, install(kazoo)}, one plugin per name');
      }
      if (!owner) {
        plugins[name] = plugin.install(kazoo);
        owners.set(name, plugin);
      }
      return plugins[name] as ReturnType<typeof plugin.install>;
    },
  };
  return kazoo;
}
