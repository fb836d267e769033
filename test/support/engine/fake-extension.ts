import type {
  CallControls, CallMedia, InboundMessage, Transport, TransportCall, TransportExtension, TransportServices,
} from '../../../src/transport';
import { FakeCall, FakeTransport } from './fake-transport';

let nextId = 0;

/**
 * The fake transport's CallControls: records what the engine asked, and lets the test play the far
 * end's answer to a hold/resume re-INVITE (`answerReinvite`), as FakeTransport lets it play the server.
 */
export class FakeControls implements CallControls {
  readonly sipCallId: string;
  readonly log: string[] = [];
  headers: Record<string, string> = {};
  /** an incoming call's INVITE offers video (the test sets it) */
  videoOffered = false;
  private pending: Array<{ ok: () => void; fail: (e: Error) => void }> = [];

  constructor(readonly call: FakeCall) {
    this.sipCallId = `call-${++nextId}@test`;
  }

  header(name: string): string | undefined { return this.headers[name.toLowerCase()]; }
  offersVideo(): boolean { return this.videoOffered; }
  /** the CANCEL said another device answered (the test sets it) */
  elsewhere = false;
  answeredElsewhere(): boolean { return this.elsewhere; }
  answer(media: CallMedia): void { this.log.push(`answer ${JSON.stringify(media)}`); }
  setHold(held: boolean): Promise<void> {
    this.log.push(held ? 'hold' : 'resume');
    return new Promise((ok, fail) => this.pending.push({ ok, fail }));
  }
  /** the far end answers the oldest re-INVITE: 2xx, or a failure */
  answerReinvite(ok = true): void {
    const p = this.pending.shift();
    if (!p) throw new Error('no re-INVITE pending');
    if (ok) p.ok();
    else p.fail(new Error('hold failed: 488'));
  }
  transferReplacing(other: CallControls): void { this.log.push(`refer replaces ${other.sipCallId}`); }
  sendMessage(body: string, contentType: string): Promise<void> { this.log.push(`message ${contentType} ${body}`); return Promise.resolve(); }
  setCamera(enabled: boolean): void { this.log.push(`camera ${enabled}`); }
  setInputDevice(kind: 'audio' | 'video', deviceId: string): Promise<void> { this.log.push(`input ${kind} ${deviceId}`); return Promise.resolve(); }
  playRemote(): void { this.log.push('playRemote'); }
  localStream(): MediaStream | null { return null; }
  remoteStream(): MediaStream | null { return null; }
}

export class FakeServices implements TransportServices {
  readonly log: string[] = [];
  pingAnswer = true;
  private listeners = new Set<(m: InboundMessage) => void>();
  sendMessage(target: string, body: string, contentType: string): Promise<void> { this.log.push(`message ${target} ${contentType} ${body}`); return Promise.resolve(); }
  ping(target: string): Promise<boolean> { this.log.push(`options ${target}`); return Promise.resolve(this.pingAnswer); }
  onMessage(listener: (m: InboundMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  setAudioOutput(deviceId: string): Promise<void> { this.log.push(`output ${deviceId}`); return Promise.resolve(); }
  setOutputVolume(volume: number): void { this.log.push(`volume ${volume}`); }
  /** the server sends a MESSAGE */
  receive(m: InboundMessage): void { for (const l of this.listeners) l(m); }
}

/** A TransportExtension for FakeTransport: every FakeCall gets FakeControls, every transport FakeServices. */
export class FakeExtension implements TransportExtension {
  readonly controlsOf = new Map<TransportCall, FakeControls>();
  readonly servicesOf = new Map<Transport, FakeServices>();
  readonly calls: Array<{ target: string; media: CallMedia }> = [];

  controls(call: TransportCall): CallControls | null {
    if (!(call instanceof FakeCall)) return null;
    const c = this.controlsOf.get(call) ?? new FakeControls(call);
    this.controlsOf.set(call, c);
    return c;
  }
  services(transport: Transport): TransportServices | null {
    const s = this.servicesOf.get(transport) ?? new FakeServices();
    this.servicesOf.set(transport, s);
    return s;
  }
  call(transport: Transport, target: string, media: CallMedia): TransportCall | null {
    this.calls.push({ target, media });
    return transport instanceof FakeTransport ? transport.call(target) : null;
  }
  of(call: { transportCall: TransportCall }): FakeControls {
    const c = this.controlsOf.get(call.transportCall);
    if (!c) throw new Error('no controls for this call');
    return c;
  }
}
