/**
 * One RTMP connection bridged to SIP: the siprtmp application `sip`. It registers the user with the SIP
 * server before accepting the connect, then maps the client's RPCs onto one `Call` at a time and the
 * call's events back onto client callbacks; audio goes between the published/played streams and the
 * call's media leg. Nothing is called without a successful REGISTER unless the operator allowed it.
 */
import type { AmfValue } from '../protocol/rtmp/amf-values';
import type { ByteDuplex } from '../protocol/rtmp/duplex';
import type { ConnectDecision, ConnectRequest } from '../protocol/rtmp/rtmp-server-session';
import type { IncomingCommand } from '../protocol/rtmp/connection-core';
import { audioTagByte } from '../protocol/rtmp/audio-tag';
import { aorFromApp, isIpv4, nameAddr, normaliseTarget, uriOf } from './addressing';
import { Call, CallContext, CallEvents } from './call';
import type { ResolvedGatewayOptions } from './options';
import { Registration } from './registration';
import { names, statusLine, text } from './rpc-args';
import { RtmpServerSession } from '../protocol/rtmp/rtmp-server-session';
import { codecsFromNames } from './sdp';
import { parseUri, SipRequest } from './sip-imports';
import { HostPort, SipUa } from './sip-ua';
import { DEFAULT_TIMERS } from '../protocol/sip/transaction/timers';

export interface SessionHost {
  readonly options: ResolvedGatewayOptions;
  /** A login for `aor` succeeded: the host closes older sessions of the same address. */
  claim(aor: string, session: GatewaySession): void;
  release(session: GatewaySession): void;
}

/** A REFER we follow: the call to its target, until it answers (then it is the session's call). */
interface PendingTransfer {
  readonly refer: SipRequest;
  /** The call that received the REFER. */
  readonly old: Call;
  readonly call: Call;
  readonly target: string;
}

/** Largest G.711 payload taken from a client per message (60 ms); larger audio messages are dropped. */
const MAX_FRAME_BYTES = 480;
let nextId = 1;

export class GatewaySession {
  readonly id = nextId++;
  readonly rtmp: RtmpServerSession;
  aor = '';
  private ua: SipUa | null = null;
  private registration: Registration | null = null;
  private call: Call | null = null;
  private transfer: PendingTransfer | null = null;
  private callsMade = 0;
  private closed = false;
  private readonly startedAt = Date.now();
  private audioBase = 0;
  private realm = '';
  private displayName = '';
  private authName = '';
  private password = '';

  constructor(
    duplex: ByteDuplex,
    private readonly host: SessionHost,
  ) {
    const { options } = host;
    this.rtmp = new RtmpServerSession(duplex, {
      onConnect: (request) => this.onConnect(request),
      onCommand: (command) => this.onCommand(command),
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

  /**
   * An outgoing call between the client's `invite` and its INVITE (its media leg is being made): a `bye`
   * in that window must still stop it, or the far end rings with nobody behind it.
   */
  private placing: { hungUp: boolean } | null = null;

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

  private log(line: string): void {
    this.host.options.logger.debug(`session ${this.id} ${this.aor}: ${line}`);
  }

  private async onConnect(request: ConnectRequest): Promise<ConnectDecision> {
    const { options } = this.host;
    const aor = aorFromApp(request.app);
    if (!aor) return { accept: false, description: 'Invalid application: expected sip/<user>@<realm>' };
    const [login, password, display] = request.args;
    this.realm = aor.realm;
    this.aor = `sip:${aor.user}@${aor.realm}`;
    this.authName = text(login, 128) || aor.user;
    this.password = text(password, 256) ?? '';
    this.displayName = text(display, 64) ?? '';
    this.ua = await SipUa.create({
      agent: options.userAgent,
      bindAddress: options.sipAddress,
      timers: { ...DEFAULT_TIMERS, t1: options.sipT1Ms, t2: options.sipT1Ms * 8 },
      maxMessageBytes: 16 * 1024,
      // answered transactions linger (an answered INVITE 64·T1 for 2xx retransmissions, a non-INVITE T4):
      // room for a few calls a second with DTMF, still a bound on what one connection can hold
      maxTransactions: 256,
    });
    if (this.closed) {
      // close() ran while the socket was being bound: it could not close what did not exist yet
      this.ua.close();
      return this.refuse('503 Closing');
    }
    this.ua.onRequest = (req) => this.onSipRequest(req);
    if (this.password === '') {
      if (!options.allowUnregistered) return this.refuse('403 Registration required');
      this.host.claim(this.aor, this);
      options.logger.info(`session ${this.id}: ${this.aor} connected without registration (outbound only)`);
      return { accept: true };
    }
    this.registration = new Registration(this.ua, {
      aor: this.aor,
      realm: aor.realm,
      displayName: this.displayName,
      contact: this.contact,
      server: options.sipServer,
      secret: { username: this.authName, password: this.password },
      expiresSec: options.registerExpiresSec,
      onLost: (status) => {
        options.logger.warn(`session ${this.id}: registration of ${this.aor} lost (${status})`);
        this.rtmp.invoke('unauthorized', status);
      },
    });
    const outcome = await this.registration.register();
    if (this.closed) return this.refuse('503 Closing');
    if (!outcome.ok) {
      options.logger.info(`session ${this.id}: REGISTER ${this.aor} failed: ${outcome.status}`);
      return this.refuse(outcome.status);
    }
    options.logger.info(`session ${this.id}: ${this.aor} registered`);
    this.host.claim(this.aor, this);
    return { accept: true };
  }

  /** siprtmp fork order: `unauthorized('NNN text')` first, then the connect is rejected. */
  private refuse(status: string): ConnectDecision {
    this.rtmp.invoke('unauthorized', status); // allowed while the connect is being decided, as siprtmp does
    return { accept: false, description: status };
  }

  private get contact(): string {
    const address = this.ua?.address ?? { host: '127.0.0.1', port: 0 };
    const user = this.aor.slice(4).split('@')[0];
    return `sip:${user}@${address.host}:${address.port}`;
  }

  private get localAddress(): string {
    return nameAddr(this.aor, this.displayName);
  }

  private onCommand(command: IncomingCommand): AmfValue | void | Promise<AmfValue | void> {
    const args = command.args;
    switch (command.name) {
      case 'invite':
        return this.invite(args[0], names(args.slice(1)));
      case 'accept':
        void this.call?.accept(codecsFromNames(names(args)));
        return;
      case 'reject': {
        const { status, reason } = statusLine(args[0]);
        this.call?.reject(status, reason);
        return;
      }
      case 'bye':
        if (this.placing) {
          this.placing.hungUp = true;
          return;
        }
        if (this.transfer) {
          // hung up while a transfer target rings: CANCEL it, and leave the old call if it is still up
          const { call, old } = this.transfer;
          this.transfer = null;
          call.hangup();
          old.hangup();
          return;
        }
        if (this.call?.direction === 'outbound' || this.call?.state === 'confirmed') this.call.hangup();
        return;
      case 'sendDTMF': {
        const digit = text(args[0], 1);
        return digit !== null && this.call !== null ? this.call.sendDtmf(digit) : false;
      }
      case 'hold':
        return this.call ? this.call.hold(args[0] === true) : false;
      case 'transfer': {
        const target = normaliseTarget(text(args[0]) ?? '', this.realm);
        if (!target || !this.call) return '400 Bad transfer target';
        return this.call.transfer(target);
      }
      case 'stopRegistrationRefresh':
        return this.stopRegistrationRefresh();
      default:
        throw new Error(`unknown method ${command.name.slice(0, 64)}`);
    }
  }

  /**
   * The client heard `Replaced-By` (another device took this AOR's registration over): refreshing would
   * take it back, so the REGISTER is no longer refreshed. Nothing is unregistered now (the binding may
   * already be the other device's); the connection, and any call, stay. `true` when a registration's
   * refresh was stopped, `false` when there is none (connected without registering).
   */
  private stopRegistrationRefresh(): boolean {
    if (!this.registration) return false;
    this.registration.stop();
    this.host.options.logger.info(`session ${this.id}: REGISTER refresh of ${this.aor} stopped (replaced by another device)`);
    return true;
  }

  private async invite(destArg: AmfValue | undefined, codecNames: string[]): Promise<void> {
    const { options } = this.host;
    if (!this.registration?.isRegistered && !(options.allowUnregistered && this.password === '')) {
      this.rtmp.invoke('rejected', 'Registration required before making a call');
      return;
    }
    if (this.inCall) {
      this.rtmp.invoke('rejected', 'Already in an active or pending call');
      return;
    }
    const target = normaliseTarget(text(destArg) ?? '', this.realm);
    if (!target) {
      this.rtmp.invoke('rejected', '484 Address Incomplete');
      return;
    }
    if (++this.callsMade > options.maxCallsPerSession) {
      this.rtmp.invoke('rejected', '403 Call limit reached for this connection');
      return;
    }
    let media;
    const placing = (this.placing = { hungUp: false });
    try {
      media = await options.mediaLegFactory();
    } catch {
      this.rtmp.invoke('rejected', 'Internal server error');
      return;
    } finally {
      this.placing = null;
    }
    // hung up already: the client reported its end itself (siprtmp's bye before an answer is a cancel)
    if (this.closed || this.inCall || placing.hungUp) {
      media.close();
      return;
    }
    this.log(`INVITE ${target}`);
    const call = Call.outbound(this.callContext(), media, target, codecsFromNames(codecNames), this.inviteDestination(target));
    this.attach(call);
  }

  private inviteDestination(target: string): HostPort {
    const { options } = this.host;
    const uri = parseUri(target);
    if (options.directIpCalls && uri && isIpv4(uri.host)) return { host: uri.host, port: uri.port ?? 5060 };
    return options.sipServer;
  }

  private callContext(overrides: Partial<CallEvents> = {}): CallContext {
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
      ended: () => undefined,
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

  private attach(call: Call): void {
    this.call = call;
    call.media.onFrame = (frame) => {
      if (frame.restart) this.audioBase = (Date.now() - this.startedAt - frame.timeMs) >>> 0;
      const payload = new Uint8Array(frame.payload.length + 1);
      payload[0] = audioTagByte(frame.codec);
      payload.set(frame.payload, 1);
      this.rtmp.sendAudio(payload, (this.audioBase + frame.timeMs) >>> 0);
    };
  }

  private onSipRequest(request: SipRequest): void {
    const ua = this.ua;
    if (!ua || this.closed) return;
    // Headers worth seeing when debugging (never a password: none travels in SIP requests we receive).
    const refer = request.method === 'REFER' ? ` Refer-To: ${request.get('refer-to')} Referred-By: ${request.get('referred-by')}` : '';
    this.log(`${request.method} from ${request.get('from') ?? '?'}${refer}`);
    if (request.method === 'REFER' && this.call?.owns(request)) {
      this.followRefer(request, this.call);
      return;
    }
    if (this.call?.owns(request)) {
      this.call.handleRequest(request);
      return;
    }
    if (this.transfer?.call.owns(request)) {
      this.transfer.call.handleRequest(request);
      return;
    }
    if (request.method === 'ACK') return;
    if (request.core.toTag) {
      ua.reply(request, 481);
      return;
    }
    if (request.method === 'NOTIFY') {
      this.relayNotify(request);
      return;
    }
    if (request.method === 'OPTIONS') {
      ua.reply(request, 200);
      return;
    }
    if (request.method !== 'INVITE') {
      ua.reply(request, 405, { headers: [['Allow', 'INVITE, ACK, CANCEL, BYE, REFER, NOTIFY, OPTIONS, INFO']] });
      return;
    }
    void this.incoming(request);
  }

  /**
   * The far end transfers the client (RFC 3515, we are the transferee): 202, NOTIFY progress, an INVITE
   * to the Refer-To target with Referred-By; while it rings the client stays on the old call. Client
   * callbacks: `referred(target, referredBy)` at once; `transferred(target, codec)` when the target
   * answered (the client's audio now goes to it, the old call gets a BYE); `referFailed(status)` when it
   * did not (the client stays on the old call, or gets `byed` when the transferor already hung up).
   */
  private followRefer(refer: SipRequest, old: Call): void {
    const { options } = this.host;
    const target = referTarget(refer.get('refer-to') ?? '');
    if (old.state !== 'confirmed') return old.respond(refer, 481, 'Call Does Not Exist');
    if (this.transfer) return old.respond(refer, 491, 'Request Pending');
    if (!target) return old.respond(refer, 400, 'Bad Refer-To (a sip: URI without headers only)');
    if (++this.callsMade > options.maxCallsPerSession) return old.respond(refer, 403, 'Call limit reached');
    old.respond(refer, 202, 'Accepted');
    old.notifyRefer(refer, '100 Trying', false);
    const referredBy = refer.get('referred-by') ?? `<${uriOf(refer.get('from') ?? '')}>`;
    this.log(`following REFER to ${target}`);
    this.rtmp.invoke('referred', target, uriOf(referredBy));
    void this.startTransfer(refer, old, target, referredBy);
  }

  private async startTransfer(refer: SipRequest, old: Call, target: string, referredBy: string): Promise<void> {
    const fail = (status: string): void => {
      if (this.transfer?.refer !== refer && this.transfer !== null) return;
      this.transfer = null;
      old.notifyRefer(refer, status, true);
      this.rtmp.invoke('referFailed', status);
      if (old.state === 'ended' && this.call === old) this.rtmp.invoke('byed');
    };
    let media;
    try {
      media = await this.host.options.mediaLegFactory();
    } catch {
      fail('500 Internal Server Error');
      return;
    }
    if (this.closed || this.call !== old) {
      media.close();
      return;
    }
    let next: Call | null = null;
    const mine = (): boolean => next !== null && this.transfer?.call === next;
    const context = this.callContext({
      ringing: (status) => {
        if (mine()) old.notifyRefer(refer, status, false);
      },
      accepted: (codec) => {
        if (!mine() || !codec) return; // early media of the target: the client still hears the old call
        this.transfer = null;
        old.notifyRefer(refer, '200 OK', true);
        old.media.onFrame = null;
        this.attach(next!);
        old.hangup();
        this.rtmp.invoke('transferred', target, codec);
      },
      rejected: (status) => {
        if (mine()) fail(status);
      },
    });
    next = Call.outbound(context, media, target, codecsFromNames([]), this.inviteDestination(target), [['Referred-By', referredBy]]);
    this.transfer = { refer, old, call: next, target };
  }

  /** Out-of-dialog NOTIFY → `notified(type, body)`; it never touches the call (the fork's defect). */
  private relayNotify(request: SipRequest): void {
    const ua = this.ua!;
    if (request.body.length === 0) {
      ua.reply(request, 405);
      return;
    }
    ua.reply(request, 200);
    const type = (request.get('content-type') ?? 'text/plain').split(';')[0].trim().toLowerCase();
    this.rtmp.invoke('notified', type, request.body.toString('utf8'));
  }

  private async incoming(invite: SipRequest): Promise<void> {
    const ua = this.ua!;
    const { options } = this.host;
    if (this.rtmp.state !== 'connected' || this.inCall || ++this.callsMade > options.maxCallsPerSession) {
      ua.reply(invite, 486);
      return;
    }
    let media;
    try {
      media = await options.mediaLegFactory();
    } catch {
      ua.reply(invite, 500);
      return;
    }
    if (this.closed || this.inCall) {
      media.close();
      ua.reply(invite, 486);
      return;
    }
    const call = Call.inbound(this.callContext(), media, invite, codecsFromNames([]));
    this.attach(call);
    this.rtmp.invoke('invited', nameAddrOf(invite.get('from') ?? ''), this.localAddress);
  }
}

/** The Refer-To URI when it is a plain sip(s) URI with a user; URI headers (Replaces…) are refused. */
function referTarget(value: string): string | null {
  const uri = uriOf(value);
  if (!/^sips?:[^@\s?]+@[^\s?]+$/i.test(uri) || uri.length > 256) return null;
  return parseUri(uri) ? uri : null;
}

/** The From header without its tag: what siprtmp passes to `invited`. */
function nameAddrOf(value: string): string {
  const close = value.lastIndexOf('>');
  return close >= 0 ? value.slice(0, close + 1) : value.split(';')[0];
}
