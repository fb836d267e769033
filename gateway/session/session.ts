/**
 * One RTMP connection bridged to SIP: the siprtmp application `sip`. This module holds the connection's
 * state and its bridge to the current call (call events → client callbacks, call audio ↔ RTMP audio);
 * the jobs around it live beside it: `connect.ts` (REGISTER before the connect is accepted), `rpc.ts`
 * (the client's RPCs), `place-call.ts` (the client's `invite`), `sip-routing.ts` (requests from SIP,
 * incoming calls), `refer.ts` (the far end transfers the client), `notify-relay.ts`.
 */
import type { ByteDuplex } from '../../protocol/rtmp/duplex';
import { audioTagByte } from '../../protocol/rtmp/audio-tag';
import { RtmpServerSession } from '../../protocol/rtmp/rtmp-server-session';
import type { SipRequest } from '../../protocol/sip/message';
import { nameAddr } from '../addressing';
import type { Call, CallContext, CallEvents } from '../call/call';
import type { OutgoingCall } from '../call/outgoing-call';
import type { ResolvedGatewayOptions } from '../options';
import type { Registration } from '../registration';
import type { SipUa } from '../sip-ua';
import { acceptConnect } from './connect';
import { dispatchRpc } from './rpc';

export interface SessionHost {
  readonly options: ResolvedGatewayOptions;
  /** A login for `aor` succeeded: the host closes older sessions of the same address. */
  claim(aor: string, session: GatewaySession): void;
  release(session: GatewaySession): void;
}

/** A REFER we follow: the call to its target, until it answers (then it is the session's call). */
export interface PendingTransfer {
  readonly refer: SipRequest;
  /** The call that received the REFER. */
  readonly old: Call;
  readonly call: OutgoingCall;
  readonly target: string;
}

/** Largest G.711 payload taken from a client per message (60 ms); larger audio messages are dropped. */
const MAX_FRAME_BYTES = 480;
let nextId = 1;

/** The fields below are shared by the session's modules (`session/*.ts`), which each do one job on them. */
export class GatewaySession {
  readonly id = nextId++;
  readonly rtmp: RtmpServerSession;
  aor = '';
  ua: SipUa | null = null;
  registration: Registration | null = null;
  call: Call | null = null;
  transfer: PendingTransfer | null = null;
  /**
   * An outgoing call between the client's `invite` and its INVITE (its media leg is being made): a `bye`
   * in that window must still stop it, or the far end rings with nobody behind it.
   */
  placing: { hungUp: boolean } | null = null;
  callsMade = 0;
  closed = false;
  realm = '';
  displayName = '';
  authName = '';
  password = '';
  private readonly startedAt = Date.now();
  private audioBase = 0;

  constructor(
    duplex: ByteDuplex,
    readonly host: SessionHost,
  ) {
    const { options } = host;
    this.rtmp = new RtmpServerSession(duplex, {
      onConnect: (request) => acceptConnect(this, request),
      onCommand: (command) => dispatchRpc(this, command),
      connectTimeoutMs: options.connectTimeoutMs,
      limits: { maxMessageSize: 64 * 1024, maxBufferedBytes: 256 * 1024, maxChunkStreams: 32 },
      maxStreams: 4,
    });
    this.rtmp.on('audio', ({ tag }) => {
      const call = this.call;
      if (!call || call.state === 'ended' || !tag || (tag.codec !== 'pcmu' && tag.codec !== 'pcma')) return;
      if (tag.data.length === 0 || tag.data.length > MAX_FRAME_BYTES) return;
      call.media.sendFrame(tag.codec, tag.data);
    });
    this.rtmp.on('close', () => void this.close());
  }

  get inCall(): boolean {
    return (this.call !== null && this.call.state !== 'ended') || this.transfer !== null || this.placing !== null;
  }

  /** Ends everything: call, registration (un-REGISTER), socket. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.transfer?.call.terminate();
    this.transfer = null;
    this.call?.terminate();
    this.call = null;
    this.rtmp.close();
    try {
      await this.registration?.unregister();
    } finally {
      this.ua?.close();
      this.host.release(this);
    }
  }

  log(line: string): void {
    this.host.options.logger.debug(`session ${this.id} ${this.aor}: ${line}`);
  }

  get contact(): string {
    const address = this.ua?.address ?? { host: '127.0.0.1', port: 0 };
    const user = this.aor.slice(4).split('@')[0];
    return `sip:${user}@${address.host}:${address.port}`;
  }

  get localAddress(): string {
    return nameAddr(this.aor, this.displayName);
  }

  /** What a call needs from the session; its events become the siprtmp client callbacks. */
  callContext(overrides: Partial<CallEvents> = {}): CallContext {
    const events: CallEvents = {
      ringing: (status) => this.rtmp.invoke('ringing', status),
      accepted: (codec) => (codec ? this.rtmp.invoke('accepted', codec, null) : this.rtmp.invoke('accepted')),
      rejected: (status) => this.rtmp.invoke('rejected', status),
      byed: () => {
        // the transferor hanging up while we call the transfer target does not end the client's call
        if (this.transfer && this.call === this.transfer.old && this.call.state === 'ended') return;
        this.rtmp.invoke('byed');
      },
      cancelled: () => {
        const call = this.call;
        if (call) this.rtmp.invoke('cancelled', call.remoteParty, call.localParty);
      },
      holded: (onHold) => this.rtmp.invoke('holded', onHold),
      ...overrides,
    };
    return {
      ua: this.ua!,
      aor: this.aor,
      displayName: this.displayName,
      contact: this.contact,
      server: this.host.options.sipServer,
      secret: this.password ? { username: this.authName, password: this.password } : null,
      events,
      log: (line) => this.log(line),
    };
  }

  /** Makes `call` the session's call: its audio goes to the client's played stream. */
  attach(call: Call): void {
    this.call = call;
    call.media.onFrame = (frame) => {
      if (frame.restart) this.audioBase = (Date.now() - this.startedAt - frame.timeMs) >>> 0;
      const payload = new Uint8Array(frame.payload.length + 1);
      payload[0] = audioTagByte(frame.codec);
      payload.set(frame.payload, 1);
      this.rtmp.sendAudio(payload, (this.audioBase + frame.timeMs) >>> 0);
    };
  }
}
