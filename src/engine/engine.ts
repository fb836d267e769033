import { EventEmitter } from 'eventemitter3';
import { makeError, makeNotification } from '../catalogue/make';
import type { ConnectivityRecord, KazooError, KazooNotification, KazooSource } from '../catalogue/events';
import type { ErrorKey } from '../catalogue/catalogue';
import { ReconnectMonitor, type ReconnectOptions } from '../monitors/reconnect';
import { ConnectivityMonitor, type NetworkEnvironment } from '../monitors/connectivity';
import { LIVENESS_DEFAULTS, LivenessMonitor, type LivenessOptions } from '../monitors/liveness';
import type { Clock } from '../../protocol/clock';
import { classifyNotify } from '../sip/notify';
import { normaliseTarget } from '../sip/uri';
import type {
  CallMedia, InboundNotify, RegistrationSettings, Transport, TransportCall, TransportExtension, TransportServices,
} from '../transport';
import type { Logger } from '../util/logger';
import { EngineCall, EngineError } from './engine-call';

export interface EngineEvents {
  /** registered (again, after a reconnect) */
  registered: [];
  incoming: [call: EngineCall];
  notified: [notification: KazooNotification];
  /** registration and connection trouble, as catalogue errors (`disconnected`, `unauthorized`, …) */
  error: [error: KazooError];
}

export interface EngineDependencies {
  createTransport(): Transport;
  clock: Clock;
  network: NetworkEnvironment;
  logger: Logger;
  /** keep-alive pace of a registered connection (default LIVENESS_DEFAULTS) */
  liveness?: LivenessOptions;
  /** the transport's multi-call extras (hold, attended transfer, MESSAGE, OPTIONS, devices, video) */
  extension?: TransportExtension;
}

type State = 'idle' | 'registering' | 'registered' | 'lost';

const ENGINE: KazooSource = { protocol: 'engine' };
/** the monitors' notifications come from the engine itself, not from a server */
const RECONNECT_MONITOR: KazooSource = { protocol: 'engine', monitor: 'reconnect' };
const CONNECTIVITY_MONITOR: KazooSource = { protocol: 'engine', monitor: 'connectivity' };
/** how long a liveness probe may stay unanswered before the connection counts as dead */
const PROBE_TIMEOUT_MS = 2000;
/**
 * After a wake (the machine slept, or the page was frozen) the probe gets less time: a page that slept
 * wants to be registered again within ~1 s of waking, and any server worth a SIP socket answers a
 * CRLF within a few hundred ms. A connection that answers later is replaced, which costs one
 * re-REGISTER and a dialog refresh, not a call.
 */
const WAKE_PROBE_TIMEOUT_MS = 500;
/** after a wake, a connection lost within this long is reopened at once (not after `firstDelayMs`) */
const WAKE_URGENT_MS = 5000;

/**
 * The engine: one registration and any number of calls, on one transport, with the shared reconnect,
 * connectivity and liveness monitors. It reports registration trouble as catalogue errors, each once
 * per event. The legacy `kazoo` phone (src/phone) and the Wazo phone (plugins/wazo/phone) are clients.
 */
export class Engine extends EventEmitter<EngineEvents> {
  private transport: Transport | null = null;
  private settings: RegistrationSettings | null = null;
  private state: State = 'idle';
  /** the socket opened at least once since register(): later drops are "disconnected", not "unreachable" */
  private opened = false;
  /** another device took the registration over: no automatic reconnect until the page asks */
  private replaced = false;
  private stopping = false;
  private readonly live: EngineCall[] = [];
  /** overwrite NOTIFYs can arrive twice (Kazoo addresses them to the AOR): one notification each */
  private announced = new Set<string>();
  private connectivityWanted = true;
  private readonly reconnectMonitor: ReconnectMonitor;
  private readonly connectivity: ConnectivityMonitor;
  private readonly liveness: LivenessMonitor;
  /** until then a lost connection is reopened at once: the machine just woke up */
  private urgentUntil = 0;

  constructor(private readonly deps: EngineDependencies, reconnectOptions: ReconnectOptions) {
    super();
    this.reconnectMonitor = new ReconnectMonitor(reconnectOptions, deps.clock, {
      attempt: (n) => this.reconnectNow(n),
      exhausted: () => this.fail('server_not_reachable', { source: ENGINE }),
    });
    this.connectivity = new ConnectivityMonitor(deps.network, deps.clock, {
      change: (record) => this.onConnectivity(record),
      wake: (ms) => {
        deps.logger.warn(`timers stood still for ${ms} ms (sleep?): checking the connection`);
        this.urgentUntil = deps.clock.now() + WAKE_URGENT_MS;
        this.checkConnection(WAKE_PROBE_TIMEOUT_MS);
      },
    });
    const liveness = deps.liveness ?? LIVENESS_DEFAULTS;
    this.liveness = new LivenessMonitor(deps.clock, {
      probe: (ms) => this.transport?.probe(ms) ?? Promise.resolve(false),
      dead: () => {
        // a gateway behind a tunnel that stopped answering: dropped, and reported, like a closed connection
        this.deps.logger.warn('the connection did not answer a keep-alive: dropping it');
        this.transport?.dropDeadConnection(`no answer to a keep-alive within ${liveness.timeoutMs} ms`);
      },
    }, liveness);
  }

  /** register() was called and logout() was not */
  get isActive(): boolean { return this.state !== 'idle'; }
  get isRegistered(): boolean { return this.state === 'registered'; }
  get isReconnecting(): boolean { return this.reconnectMonitor.isRunning; }
  get reconnectAttempt(): number { return this.reconnectMonitor.attempt; }
  get connectivityHistory(): ConnectivityRecord[] { return this.connectivity.history.slice(); }
  /** the calls not yet ended, oldest first */
  get calls(): readonly EngineCall[] { return this.live; }
  get protocol(): Transport['protocol'] | undefined { return this.transport?.protocol; }

  register(settings: RegistrationSettings, reconnect: ReconnectOptions): void {
    if (this.state !== 'idle') return this.fail('already_registered', { source: ENGINE });
    this.settings = settings;
    this.reconnectMonitor.setOptions(reconnect);
    this.replaced = false;
    this.openTransport();
  }

  /** unregister (bounded) and close; calls in progress end with the connection */
  async logout(): Promise<void> {
    this.reconnectMonitor.stop();
    this.liveness.stop();
    this.connectivity.stop();
    const transport = this.transport;
    this.transport = null;
    this.state = 'idle';
    if (!transport) return;
    this.stopping = true;
    try {
      await transport.stop();
    } finally {
      this.stopping = false;
      transport.removeAllListeners();
    }
  }

  /** a number or SIP URI as a SIP URI of the registration's realm; null when it is not one */
  targetUri(target: string): string | null {
    return this.settings ? normaliseTarget(target, this.settings.realm) : null;
  }

  /** place a call to a number or SIP URI; `media` (video, devices) needs the transport's extension */
  call(target: string, media?: CallMedia): EngineCall {
    const t = this.transport;
    if (!t || this.state !== 'registered') throw new EngineError('not_registered');
    const uri = this.targetUri(target);
    if (!uri) throw new EngineError('invalid_uri');
    const tc = media ? this.deps.extension?.call(t, uri, media) : t.call(uri);
    if (!tc) throw new EngineError('not_supported');
    return this.adopt(tc);
  }

  /**
   * Out-of-dialog MESSAGE and OPTIONS, inbound MESSAGEs, audio output: there when the engine has the
   * transport's extension and a transport is open (null otherwise). A reconnect after a drop opens a new
   * transport: subscribe to `onMessage` again on `registered`.
   */
  get services(): TransportServices | null {
    return this.transport && this.deps.extension ? this.deps.extension.services(this.transport) : null;
  }

  /** the page's reconnect(): re-register now with the settings given to register() */
  reconnect(): void {
    if (!this.settings) return this.fail('not_registered', { source: ENGINE });
    this.replaced = false;
    const attempt = this.reconnectMonitor.manual();
    this.reconnectNow(attempt);
  }

  startAutoReconnect(): void {
    if (!this.settings) return this.fail('not_registered', { source: ENGINE });
    this.reconnectMonitor.start(true);
  }

  stopAutoReconnect(): void {
    this.reconnectMonitor.stop();
  }

  monitorConnectivity(enabled: boolean): void {
    this.connectivityWanted = enabled;
    if (!enabled) this.connectivity.stop();
    else if (this.state !== 'idle') this.connectivity.start();
  }

  /** @internal wraps a call of this engine's transport (a REFER followed, an incoming INVITE) */
  adopt(tc: TransportCall): EngineCall {
    const call = new EngineCall(tc, this.deps.extension?.controls(tc) ?? null, (t) => this.targetUri(t));
    this.live.push(call);
    call.once('ended', () => {
      const i = this.live.indexOf(call);
      if (i >= 0) this.live.splice(i, 1);
    });
    tc.on('referred', (refer) => call.emit('referred', {
      target: refer.target,
      follow: () => {
        const next = refer.follow();
        return next ? this.adopt(next) : null;
      },
    }));
    return call;
  }

  // ---- transport wiring ----

  /** a fresh transport (register, or a reconnect after the last one was dropped), with the monitors */
  private openTransport(): void {
    this.opened = false;
    this.startTransport();
    if (this.connectivityWanted) this.connectivity.start();
  }

  private startTransport(): void {
    const settings = this.settings;
    if (!settings) return;
    const t = this.deps.createTransport();
    this.transport = t;
    this.state = 'registering';
    this.deps.logger.redact(settings.password);
    t.on('connected', () => { this.opened = true; });
    t.on('disconnected', (info) => {
      if (this.stopping || t !== this.transport) return;
      this.liveness.stop();
      if (this.reconnectMonitor.isRunning || this.state === 'lost') {
        this.state = 'lost';
        this.reconnectMonitor.failed();
      } else if (!this.opened) {
        this.dropTransport();
        this.fail('server_not_reachable', { source: info.source });
      } else {
        this.state = 'lost';
        this.fail('disconnected', { source: info.source });
        // during a call every millisecond offline is one the far end's requests may miss, and a page
        // that just woke up has been away long enough: no pause
        if (!this.replaced) this.reconnectMonitor.start(false, this.urgent() ? 0 : undefined);
      }
    });
    t.on('registered', () => {
      if (t !== this.transport) return;
      this.reconnectMonitor.succeeded();
      if (!this.liveness.isRunning) this.liveness.start();
      if (this.state !== 'registered') {
        this.state = 'registered';
        this.announced.clear();
        this.emit('registered');
      }
    });
    t.on('registrationFailed', (f) => {
      if (t !== this.transport) return;
      const auth = f.code === 401 || f.code === 407 || f.code === 403;
      if (auth) {
        // wrong credentials do not get better by retrying: stop, and let the page ask again
        this.reconnectMonitor.stop();
        this.dropTransport();
        // 401/407 (a challenge the password did not meet) and 403 (Kamailio's answer to a wrong
        // password) are the same thing to a page written from the 2014 document: `unauthorized`
        this.fail('unauthorized', { code: f.code, source: { ...f.source, code: f.code } });
      } else if (this.reconnectMonitor.isRunning) {
        this.reconnectMonitor.failed();
      } else {
        this.state = 'lost';
        this.fail('registration_failed', { code: f.code, source: f.source });
        if (!this.replaced) this.reconnectMonitor.start();
      }
    });
    t.on('notify', (n) => this.onNotify(n));
    t.on('incoming', (tc) => this.emit('incoming', this.adopt(tc)));
    t.start(settings);
  }

  private dropTransport(): void {
    const t = this.transport;
    this.transport = null;
    this.state = 'idle';
    this.connectivity.stop();
    this.liveness.stop();
    if (t) void t.stop().finally(() => t.removeAllListeners());
  }

  private reconnectNow(attempt: number): void {
    this.emit('notified', makeNotification('reconnecting_notification', { attempt, source: RECONNECT_MONITOR }));
    // a reconnect is a new registration: the page hears onConnected again when it succeeds
    if (this.state === 'registered') this.state = 'registering';
    this.liveness.stop();
    if (this.transport) this.transport.reconnect();
    else this.openTransport();
  }

  private onNotify(n: InboundNotify): void {
    const c = classifyNotify(n);
    if (c.kind === 'overriding_registration' || c.kind === 'replaced_registration') {
      if (this.announced.has(c.kind)) return;
      this.announced.add(c.kind);
      if (c.kind === 'replaced_registration') {
        // Kazoo keeps the old socket open; refreshing would take the registration back from the new
        // device, so this one goes quiet (the page decides whether to log out)
        this.replaced = true;
        this.reconnectMonitor.stop();
        this.transport?.stopRegistrationRefresh();
      }
      this.emit('notified', makeNotification(c.kind, { contact: c.contact, source: n.source }));
    } else if (c.kind === 'voicemail_notification') {
      this.emit('notified', makeNotification('voicemail_notification', { ...c.counts, source: n.source }));
    } else {
      this.emit('notified', makeNotification('unknown_notification', { source: n.source }));
    }
  }

  private onConnectivity(record: ConnectivityRecord): void {
    this.emit('notified', makeNotification('connectivity_notification', { ...record, history: this.connectivityHistory, source: CONNECTIVITY_MONITOR }, record.status));
    if (record.status === 'online') this.checkConnection();
  }

  /**
   * After the network came back or the machine woke up: a closed connection is reopened at once; an
   * open one is asked whether it still lives (a socket can stay OPEN and dead after a sleep), and only
   * a silent one is replaced — a call with a healthy connection is left alone.
   */
  private checkConnection(probeTimeoutMs = PROBE_TIMEOUT_MS): void {
    const t = this.transport;
    if (!t || !this.settings || this.replaced || !this.reconnectMonitor.isAutomatic) return;
    if (!t.isConnected()) {
      this.reconnectMonitor.start(false, this.urgent() ? 0 : undefined);
      return;
    }
    void t.probe(probeTimeoutMs).then((alive) => {
      if (!alive && t === this.transport && t.isConnected()) {
        // dropped as the network would have dropped it: the page hears `disconnected`, then the
        // reconnect's notifications, as after any lost connection
        this.deps.logger.warn('the connection did not answer a keep-alive: reconnecting');
        t.dropDeadConnection(`no answer to a keep-alive within ${probeTimeoutMs} ms`);
      }
    });
  }

  /** a lost connection is reopened without the usual first pause: a call is up, or the machine just woke */
  private urgent(): boolean {
    return this.live.some((c) => c.answered) || this.deps.clock.now() < this.urgentUntil;
  }

  private fail(key: ErrorKey, extra: Omit<KazooError, 'key' | 'message'>): void {
    this.deps.logger.debug(`error ${key}`);
    this.emit('error', makeError(key, extra));
  }
}
