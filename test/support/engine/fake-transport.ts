import { EventEmitter } from 'eventemitter3';
import type {
  CallEnd, ReferRequest, RegistrationSettings, RemoteParty, Transport, TransportCall, TransportCallEvents, TransportEvents,
} from '../../../src/transport';
import type { Logger } from '../../../src/util/logger';

/**
 * A transport that does nothing by itself: the test plays the server and the far end by emitting the
 * events a real transport would. Records what the engine asked of it; given the engine's logger, it
 * logs the settings it was started with, as a debugging transport might (passwords included).
 */
export class FakeTransport extends EventEmitter<TransportEvents> implements Transport {
  readonly protocol = 'webrtc' as const;
  readonly log: string[] = [];
  connected = false;
  /** what probe() resolves to; null: it never settles (a server that went silent) */
  probeAnswer: boolean | null = true;
  settings: RegistrationSettings | null = null;
  calls: FakeCall[] = [];

  constructor(private readonly logger?: Logger) { super(); }

  start(settings: RegistrationSettings): void {
    this.settings = settings;
    this.log.push('start');
    this.logger?.debug(`start ${JSON.stringify(settings)}`);
  }
  reconnect(): void { this.log.push('reconnect'); }
  probe(): Promise<boolean> {
    this.log.push('probe');
    const answer = this.probeAnswer;
    return answer === null ? new Promise(() => undefined) : Promise.resolve(answer);
  }
  dropDeadConnection(reason: string): void {
    if (!this.connected) return;
    this.log.push(`dropDead ${reason}`);
    this.connected = false;
    this.emit('disconnected', { reason, neverOpened: false, source: { protocol: 'webrtc', reason } });
  }
  stopRegistrationRefresh(): void { this.log.push('stopRefresh'); }
  stop(): Promise<void> { this.log.push('stop'); return Promise.resolve(); }
  isConnected(): boolean { return this.connected; }
  call(target: string): TransportCall {
    const c = new FakeCall('outgoing', { uri: target, number: /sip:([^@]+)/.exec(target)?.[1] ?? target });
    this.calls.push(c);
    return c;
  }

  // ---- the server's side ----
  up(): void { this.connected = true; this.emit('connected'); this.emit('registered'); }
  drop(neverOpened = false): void {
    this.connected = false;
    this.emit('disconnected', { code: 1006, neverOpened, source: { protocol: 'webrtc' } });
  }
}

export class FakeCall extends EventEmitter<TransportCallEvents> implements TransportCall {
  readonly log: string[] = [];
  constructor(readonly direction: 'incoming' | 'outgoing', readonly remote: RemoteParty) { super(); }
  answer(): void { this.log.push('answer'); }
  reject(code: number): void { this.log.push(`reject ${code}`); }
  hangup(): void { this.log.push('hangup'); }
  sendDTMF(tone: string): void { this.log.push(`dtmf ${tone}`); }
  transfer(target: string): void { this.log.push(`transfer ${target}`); }
  mute(m: boolean): void { this.log.push(`mute ${m}`); }
  end(e: Partial<CallEnd> = {}): void {
    this.emit('ended', { answered: false, originator: 'remote', reason: 'x', event: 'bye', source: { protocol: 'webrtc' }, ...e });
  }
  refer(target: string, next: FakeCall): void {
    const r: ReferRequest = { target, follow: () => next };
    this.emit('referred', r);
  }
}
