import { EventEmitter } from 'eventemitter3';
import { makeError, makeNotification } from '../catalogue/make';
import type { CancelDetails, KazooError, KazooNotification, KazooSource } from '../catalogue/events';
import type { ErrorKey } from '../catalogue/catalogue';
import type { ReconnectOptions } from '../monitors/reconnect';
import { isDtmfTone } from '../sip/dtmf';
import type { RegistrationSettings } from '../transport';
import { Engine, type EngineDependencies } from '../engine/engine';
import type { EngineCall } from '../engine/engine-call';
import { Call } from './call';

/** kazoo-js: what onHangup receives (2014 pages ignore it): who ended the call and why, e.g. a media timeout */
export interface HangupDetails {
  originator: 'local' | 'remote' | 'system';
  message: string;
  source: KazooSource;
}

export interface PhoneEvents {
  connected: [];
  incoming: [call: Call];
  accepted: [];
  hangup: [details: HangupDetails];
  cancel: [details: CancelDetails];
  transfer: [];
  notified: [notification: KazooNotification];
  error: [error: KazooError];
}

/** what the engine needs (the legacy phone uses no transport extension) */
export type PhoneDependencies = Omit<EngineDependencies, 'extension'>;

const ENGINE: KazooSource = { protocol: 'engine' };

/**
 * The legacy `kazoo` phone: a client of the engine (src/engine) with the 2014 library's rules — one
 * call at a time (a second incoming call is answered 486, a second connect() is `call_in_progress`),
 * every problem as a catalogue error, a transfer by the far end continuing the same call for the page.
 */
export class Phone extends EventEmitter<PhoneEvents> {
  /** registration, reconnects and connectivity are the engine's own (the facade reads them there) */
  readonly engine: Engine;
  private readonly logger: PhoneDependencies['logger'];
  private call: Call | null = null;

  constructor(deps: PhoneDependencies, reconnectOptions: ReconnectOptions) {
    super();
    this.logger = deps.logger;
    const engine = new Engine(deps, reconnectOptions);
    this.engine = engine;
    engine.on('registered', () => this.emit('connected'));
    engine.on('notified', (n) => this.emit('notified', n));
    engine.on('error', (e) => this.emit('error', e));
    engine.on('incoming', (ec) => {
      if (this.call) return ec.reject(486, 'Busy Here');
      this.emit('incoming', this.adopt(ec));
    });
  }

  get currentCall(): Call | null { return this.call; }

  register(settings: RegistrationSettings, reconnect: ReconnectOptions): void {
    this.engine.register(settings, reconnect);
  }

  logout(): Promise<void> {
    return this.engine.logout();
  }

  connect(target: string): void {
    if (!this.engine.isRegistered) return this.fail('not_registered', { source: ENGINE });
    const uri = this.engine.targetUri(target);
    if (!uri) return this.fail('invalid_uri', { source: { protocol: 'engine', target } });
    if (this.call) return this.fail('call_in_progress', { source: ENGINE });
    this.adopt(this.engine.call(uri));
  }

  hangup(): void {
    if (this.notRegistered()) return;
    if (!this.call) return this.fail('no_call', { source: ENGINE });
    this.call.engineCall.hangup();
  }

  sendDTMF(tone: string): void {
    if (this.notRegistered()) return;
    if (!isDtmfTone(tone)) return this.fail('invalid_dtmf', { source: { protocol: 'engine', tone } });
    if (!this.call?.answered) return this.fail('no_call', { source: ENGINE });
    this.call.engineCall.sendDTMF(tone);
  }

  transfer(target: string): void {
    if (this.notRegistered()) return;
    if (!this.call?.answered) return this.fail('no_call', { source: ENGINE });
    const uri = this.engine.targetUri(target);
    if (!uri) return this.fail('invalid_uri', { source: { protocol: 'engine', target } });
    this.call.engineCall.transfer(uri);
  }

  /** returns the error for the page's error callback, or null on success */
  mute(muted: boolean): KazooError | null {
    if (!this.engine.isActive) return makeError('not_registered', { source: ENGINE });
    if (!this.call) return makeError('no_call', { source: ENGINE });
    this.call.engineCall.mute(muted);
    return null;
  }

  /** the page's kazoo.reconnect(): re-register now with the parameters given to register() */
  reconnect(): void {
    this.engine.reconnect();
  }

  monitorConnectivity(enabled: boolean): void {
    this.engine.monitorConnectivity(enabled);
  }

  /**
   * Before register() nothing is called on: `not_registered` (the page may not have an onError yet: the
   * facade then says it on the console), rather than `no_call`, which would send the page looking for a call.
   */
  private notRegistered(): boolean {
    if (this.engine.isActive) return false;
    this.fail('not_registered', { source: ENGINE });
    return true;
  }

  // ---- calls ----

  private adopt(tc: EngineCall): Call {
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
      const resumed = call.resumes;
      if (!call.answered && resumed && !resumed.ended) {
        // the transfer target did not answer: the call we were transferred from is still up, and for the
        // page it simply goes on (no onCancel/onHangup for the attempt; the page can still hang it up)
        this.logger.warn(`following the transfer failed (${end.code ?? end.reason}): the call goes on`);
        resumed.replacedByTransfer = false;
        this.call = resumed;
        return;
      }
      if (end.mediaError) this.fail('media_error', { source: end.source });
      if (!call.answered) {
        const event = end.event === 'bye' ? 'failed' : end.event;
        this.emit('cancel', { code: end.code, message: end.reason, event, originator: end.originator, source: end.source });
      }
      this.emit('hangup', { originator: end.originator, message: end.reason, source: end.source });
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
      next.resumes = call;
      this.emit('transfer');
      this.emit('notified', makeNotification('transfer_notification', { source: { protocol: this.engine.protocol ?? 'engine', target: refer.target } }));
      next.engineCall.once('accepted', () => { if (!call.ended) tc.hangup(); });
    });
    return call;
  }

  private fail(key: ErrorKey, extra: Omit<KazooError, 'key' | 'message'>): void {
    this.logger.debug(`error ${key}`);
    this.emit('error', makeError(key, extra));
  }
}
