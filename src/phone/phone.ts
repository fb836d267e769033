import { EventEmitter } from 'eventemitter3';
import { makeError, makeNotification } from '../catalogue/make';
import type { CancelDetails, ConnectivityRecord, KazooError, KazooNotification, KazooSource } from '../catalogue/events';
import type { ErrorKey } from '../catalogue/catalogue';
import { ReconnectMonitor, type ReconnectOptions } from '../monitors/reconnect';
import { ConnectivityMonitor, type NetworkEnvironment } from '../monitors/connectivity';
import type { Clock } from '../../protocol/clock';
import { classifyNotify } from '../sip/notify';
import { isDtmfTone } from '../sip/dtmf';
import { normaliseTarget } from '../sip/uri';
import type { InboundNotify, RegistrationSettings, Transport, TransportCall } from '../transport';
import type { Logger } from '../util/logger';
import { Call } from './call';

export interface PhoneEvents {
  connected: [];
  incoming: [call: Call];
  accepted: [];
  hangup: [];
  cancel: [details: CancelDetails];
  transfer: [];
  notified: [notification: KazooNotification];
  error: [error: KazooError];
}

export interface PhoneDependencies {
  createTransport(): Transport;
  clock: Clock;
  network: NetworkEnvironment;
  logger: Logger;
}

type State = 'idle' | 'registering' | 'registered' | 'lost';

const ENGINE: KazooSource = { protocol: 'engine' };
/** how long a liveness probe may stay unanswered before the connection counts as dead */
const PROBE_TIMEOUT_MS = 2000;

/**
 * The engine: one registration and one current call, on whichever transport init picked. It turns the
 * transport's events into the catalogue's notifications and errors, each exactly once per event, and
 * owns the shared reconnect and connectivity monitors.
 */
export class Phone extends EventEmitter<PhoneEvents> {
  private transport: Transport | null = null;
  private settings: RegistrationSettings | null = null;
  private state: State = 'idle';
  /** the socket opened at least once since register(): later drops are "disconnected", not "unreachable" */
  private opened = false;
  /** another device took the registration over: no automatic reconnect until the page asks */
  private replaced = false;
  private stopping = false;
  private call: Call | null = null;
  /** overwrite NOTIFYs can arrive twice (Kazoo addresses them to the AOR): one notification each */
  private announced = new Set<string>();
  private connectivityWanted = true;
  private readonly reconnectMonitor: ReconnectMonitor;
  private readonly connectivity: ConnectivityMonitor;

  constructor(private readonly deps: PhoneDependencies, reconnectOptions: ReconnectOptions) {
    super();
    this.reconnectMonitor = new ReconnectMonitor(reconnectOptions, deps.clock, {
      attempt: (n) => this.reconnectNow(n),
      exhausted: () => this.fail('server_not_reachable', { source: ENGINE }),
    });
    this.connectivity = new ConnectivityMonitor(deps.network, deps.clock, {
      change: (record) => this.onConnectivity(record),
      wake: (ms) => {
        deps.logger.debug(`timers stood still for ${ms} ms (sleep?): checking the connection`);
        this.checkConnection();
      },
    });
  }

  get isActive(): boolean { return this.state !== 'idle'; }
  get isReconnecting(): boolean { return this.reconnectMonitor.isRunning; }
  get reconnectAttempt(): number { return this.reconnectMonitor.attempt; }
  get connectivityHistory(): ConnectivityRecord[] { return this.connectivity.history.slice(); }
  get currentCall(): Call | null { return this.call; }

  register(settings: RegistrationSettings, reconnect: ReconnectOptions): void {
    if (this.state !== 'idle') return this.fail('already_registered', { source: ENGINE });
    this.settings = settings;
    this.reconnectMonitor.setOptions(reconnect);
    this.replaced = false;
    this.openTransport();
  }

  async logout(): Promise<void> {
    this.reconnectMonitor.stop();
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

  connect(target: string): void {
    if (!this.transport || !this.settings || this.state !== 'registered') return this.fail('not_registered', { source: ENGINE });
    const uri = normaliseTarget(target, this.settings.realm);
    if (!uri) return this.fail('invalid_uri', { source: { protocol: 'engine', target } });
    if (this.call) return this.fail('call_in_progress', { source: ENGINE });
    this.adopt(this.transport.call(uri));
  }

  hangup(): void {
    if (!this.call) return this.fail('no_call', { source: ENGINE });
    this.call.transportCall.hangup();
  }

  sendDTMF(tone: string): void {
    if (!isDtmfTone(tone)) return this.fail('invalid_dtmf', { source: { protocol: 'engine', tone } });
    if (!this.call?.answered) return this.fail('no_call', { source: ENGINE });
    this.call.transportCall.sendDTMF(tone.toUpperCase());
  }

  transfer(target: string): void {
    if (!this.call?.answered || !this.settings) return this.fail('no_call', { source: ENGINE });
    const uri = normaliseTarget(target, this.settings.realm);
    if (!uri) return this.fail('invalid_uri', { source: { protocol: 'engine', target } });
    this.call.transportCall.transfer(uri);
  }

  /** returns the error for the page's error callback, or null on success */
  mute(muted: boolean): KazooError | null {
    if (!this.call) return makeError('no_call', { source: ENGINE });
    this.call.transportCall.mute(muted);
    return null;
  }

  /** the page's kazoo.reconnect(): re-register now with the parameters given to register() */
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
      if (this.reconnectMonitor.isRunning || this.state === 'lost') {
        this.state = 'lost';
        this.reconnectMonitor.failed();
      } else if (!this.opened) {
        this.dropTransport();
        this.fail('server_not_reachable', { source: info.source });
      } else {
        this.state = 'lost';
        this.fail('disconnected', { source: info.source });
        if (!this.replaced) this.reconnectMonitor.start();
      }
    });
    t.on('registered', () => {
      if (t !== this.transport) return;
      this.reconnectMonitor.succeeded();
      if (this.state !== 'registered') {
        this.state = 'registered';
        this.announced.clear();
        this.emit('connected');
      }
    });
    t.on('registrationFailed', (f) => {
      if (t !== this.transport) return;
      const auth = f.code === 401 || f.code === 407 || f.code === 403;
      if (auth) {
        // wrong credentials do not get better by retrying: stop, and let the page ask again
        this.reconnectMonitor.stop();
        this.dropTransport();
        this.fail(f.code === 403 ? 'forbidden' : 'unauthorized', { code: f.code, source: f.source });
      } else if (this.reconnectMonitor.isRunning) {
        this.reconnectMonitor.failed();
      } else {
        this.state = 'lost';
        this.fail('registration_failed', { code: f.code, source: f.source });
        if (!this.replaced) this.reconnectMonitor.start();
      }
    });
    t.on('notify', (n) => this.onNotify(n));
    t.on('incoming', (tc) => {
      if (this.call) {
        tc.reject(486, 'Busy Here');
        return;
      }
      this.emit('incoming', this.adopt(tc));
    });
    t.start(settings);
  }

  private dropTransport(): void {
    const t = this.transport;
    this.transport = null;
    this.state = 'idle';
    this.connectivity.stop();
    if (t) void t.stop().finally(() => t.removeAllListeners());
  }

  private reconnectNow(attempt: number): void {
    this.emit('notified', makeNotification('reconnecting_notification', { attempt }));
    // a reconnect is a new registration: the page hears onConnected again when it succeeds
    if (this.state === 'registered') this.state = 'registering';
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
    this.emit('notified', makeNotification('connectivity_notification', { ...record, history: this.connectivityHistory }, record.status));
    if (record.status === 'online') this.checkConnection();
  }

  /**
   * After the network came back or the machine woke up: a closed connection is reopened at once; an
   * open one is asked whether it still lives (a socket can stay OPEN and dead after a sleep), and only
   * a silent one is replaced — a call with a healthy connection is left alone.
   */
  private checkConnection(): void {
    const t = this.transport;
    if (!t || !this.settings || this.replaced || !this.reconnectMonitor.isAutomatic) return;
    if (!t.isConnected()) {
      this.reconnectMonitor.start();
      return;
    }
    void t.probe(PROBE_TIMEOUT_MS).then((alive) => {
      if (!alive && t === this.transport) {
        this.deps.logger.warn('the connection did not answer a keep-alive: reconnecting');
        this.reconnectMonitor.start();
      }
    });
  }

  // ---- calls ----

  private adopt(tc: TransportCall): Call {
    const call = new Call(tc);
    this.call = call;
    tc.on('accepted', () => {
      if (call.answered) return;
      call.answered = true;
      this.emit('accepted');
    });
    tc.on('ended', (end) => {
      if (call.ended) return;
      call.ended = true;
      if (this.call === call) this.call = null;
      if (call.replacedByTransfer) return;
      if (end.mediaError) this.fail('media_error', { source: end.source });
      if (!call.answered) {
        const event = end.event === 'bye' ? 'failed' : end.event;
        this.emit('cancel', { code: end.code, message: end.reason, event, originator: end.originator, source: end.source });
      }
      this.emit('hangup');
    });
    tc.on('transferAccepted', () => this.emit('transfer'));
    tc.on('transferFailed', (code, reason) => this.fail('transfer_failed', { code, source: { protocol: 'engine', reason } }));
    tc.on('transferCompleted', () => { if (!call.ended) tc.hangup(); });
    tc.on('referred', (refer) => {
      // we are the transferee: call the target; for the page the new call simply continues this one
      const followed = refer.follow();
      if (!followed) return;
      call.replacedByTransfer = true;
      const next = this.adopt(followed);
      this.emit('transfer');
      this.emit('notified', makeNotification('transfer_notification', { source: { protocol: this.transport?.protocol ?? 'engine', target: refer.target } }));
      next.transportCall.once('accepted', () => { if (!call.ended) tc.hangup(); });
    });
    return call;
  }

  private fail(key: ErrorKey, extra: Omit<KazooError, 'key' | 'message'>): void {
    const error = makeError(key, extra);
    this.deps.logger.debug(`error ${key}`);
    this.emit('error', error);
  }
}
