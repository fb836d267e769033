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
import { resumeOffer, type ResumeTokens } from './resume';
import { dispatchRpc } from './rpc';

export interface SessionHost {
  readonly options: ResolvedGatewayOptions;
  /** the calls a dropped client may come back to (`resume.ts`) */
  readonly resumeTokens: ResumeTokens;
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
  /** the client's connection; a resumed session gets the new connection's (`takeOver`) */
  rtmp: RtmpServerSession;
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
  /** what the client presents to get this session's answered call back after a drop (`resume.ts`) */
  resumeToken: string | null = null;
  /** the connection dropped during a call: the session waits this long for the client (then closes) */
  private parkTimer: ReturnType<typeof setTimeout> | null = null;
  /** the session this connection serves: itself, or the parked session it resumed */
  private owner: GatewaySession = this;
  private readonly startedAt = Date.now();
  private audioBase = 0;
  /** tag byte + one 20 ms G.711 frame (and room for longer ones), reused for every frame to the client */
  private readonly audioOut = new Uint8Array(1 + 480);
  private audioView = this.audioOut.subarray(0, 1 + 160);

  constructor(
    duplex: ByteDuplex,
    readonly host: SessionHost,
  ) {
    const { options } = host;
    this.rtmp = new RtmpServerSession(duplex, {
      onConnect: (request) => acceptConnect(this, request),
      onCommand: (command) => dispatchRpc(this.owner, command),
      connectTimeoutMs: options.connectTimeoutMs,
      limits: { maxMessageSize: 64 * 1024, maxBufferedBytes: 256 * 1024, maxChunkStreams: 32 },
      maxStreams: 4,
    });
    const rtmp = this.rtmp;
    rtmp.on('audio', ({ tag }) => {
      const call = this.owner.call;
      if (!call || call.state === 'ended' || !tag || (tag.codec !== 'pcmu' && tag.codec !== 'pcma')) return;
      if (tag.data.length === 0 || tag.data.length > MAX_FRAME_BYTES) return;
      call.media.sendFrame(tag.codec, tag.data);
    });
    rtmp.on('close', () => this.owner.connectionClosed(rtmp));
  }

  get parked(): boolean {
    return this.parkTimer !== null;
  }

  /**
   * A connection of this session closed. During an answered call, with a grace window, the session is
   * parked for the client to come back (`resume.ts`); otherwise it ends. The old connection of a session
   * that was taken over is not news.
   */
  private connectionClosed(rtmp: RtmpServerSession): void {
    if (rtmp !== this.rtmp || this.closed) return;
    const graceMs = this.host.options.resumeGraceMs;
    if (graceMs <= 0 || !this.resumeToken || this.call?.state !== 'confirmed' || this.transfer || this.parked) {
      void this.close();
      return;
    }
    this.host.options.logger.info(`session ${this.id}: ${this.aor} dropped its connection during a call: kept ${graceMs} ms for it to come back`);
    this.parkTimer = setTimeout(() => {
      this.parkTimer = null;
      this.host.options.logger.info(`session ${this.id}: ${this.aor} did not come back within ${graceMs} ms: ending its call`);
      void this.close();
    }, graceMs);
  }

  /**
   * A new connection (`shell`, whose connect presented this session's token) takes this session over:
   * its RTMP becomes this session's, the old connection (if the gateway had not noticed it die) is
   * closed, and the shell, which holds nothing else, leaves the session table.
   */
  takeOver(shell: GatewaySession): void {
    if (this.parkTimer) clearTimeout(this.parkTimer);
    this.parkTimer = null;
    const old = this.rtmp;
    this.rtmp = shell.rtmp;
    shell.owner = this;
    shell.closed = true;
    this.host.release(shell);
    old.close();
  }

  /** The call ended while nobody is connected: nothing left to wait for. */
  private endIfParked(): void {
    if (this.parked && this.call?.state !== 'confirmed') void this.close();
  }

  get inCall(): boolean {
    return (this.call !== null && this.call.state !== 'ended') || this.transfer !== null || this.placing !== null;
  }

  /** Ends everything: call, registration (un-REGISTER), socket. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.parkTimer) clearTimeout(this.parkTimer);
    this.parkTimer = null;
    this.host.resumeTokens.revoke(this.resumeToken);
    this.resumeToken = null;
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
      accepted: (codec) => {
        if (!codec) return this.rtmp.invoke('accepted'); // early media
        // a third argument older clients ignore: the token to resume this call after a drop
        const resume = resumeOffer(this);
        if (resume) this.rtmp.invoke('accepted', codec, null, resume);
        else this.rtmp.invoke('accepted', codec, null);
      },
      rejected: (status) => this.rtmp.invoke('rejected', status),
      byed: () => {
        // the transferor hanging up while we call the transfer target does not end the client's call
        if (this.transfer && this.call === this.transfer.old && this.call.state === 'ended') return;
        this.rtmp.invoke('byed');
        this.endIfParked();
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
      // one buffer for every frame of the session (and one view of it while frames keep their length):
      // sendAudio copies it into the chunk before it returns
      const length = frame.payload.length + 1;
      if (this.audioView.length !== length) this.audioView = this.audioOut.length >= length ? this.audioOut.subarray(0, length) : new Uint8Array(length);
      const payload = this.audioView;
      payload[0] = audioTagByte(frame.codec);
      payload.set(frame.payload, 1);
      this.rtmp.sendAudio(payload, (this.audioBase + frame.timeMs) >>> 0);
    };
  }
}
