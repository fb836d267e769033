// `WazoWebRTCClient` (also `WebRTCClient`): the SDK's SIP client on the engine (src/engine). A "sip
// session" here is an engine call (`EngineCall`). Differences from the SDK that fix its defects (§7):
// no Google STUN (ICE servers only from `uaConfigOverrides.peerConnectionOptions.iceServers` or
// `iceServers`), one registration per client however often register() is called, waitForRegister()
// resolves when already registered, hold/resume/transfer resolve on the SIP result, resume keeps the
// microphone as it was, `message` only for MESSAGE requests, decline = 603.

import {
  createEngine, engineReconnectOptions, registrationSettings, EngineError,
  type CallEnd, type CreateEngineOptions, type Engine, type EngineCall, type InboundMessage, type KazooError,
} from '../../../entries/engine';
import { Emitter } from '../util/emitter';

export interface WebRTCClientMedia {
  audio?: boolean | MediaTrackConstraints;
  video?: boolean | MediaTrackConstraints | HTMLVideoElement;
  localVideo?: boolean | HTMLVideoElement;
}

export interface UaConfigOverrides {
  peerConnectionOptions?: { iceServers?: RTCIceServer[] };
  iceServers?: RTCIceServer[];
  traceSip?: boolean;
  [key: string]: unknown;
}

export interface WebRTCClientConfig {
  host: string;
  port?: number | string;
  /** `host:port` of the SIP WebSocket when it is not the REST host's */
  websocketSip?: string;
  displayName?: string;
  authorizationUser?: string;
  password?: string;
  /** accepted for the SDK's sake; the AOR is always `sip:{authorizationUser}@{host}` */
  uri?: string;
  media?: WebRTCClientMedia;
  iceCheckingTimeout?: number;
  log?: { builtinEnabled?: boolean; logLevel?: string };
  audioOutputDeviceId?: string | null;
  audioOutputVolume?: number;
  userAgentString?: string | null;
  heartbeatDelay?: number;
  heartbeatTimeout?: number;
  maxHeartbeats?: number;
  userUuid?: string;
  skipRegister?: boolean;
}

/** the SDK's `session` argument: credentials come from config (Wazo.Phone reads them from confd) */
export interface WebRTCClientSession { token?: string; uuid?: string | null }

export interface AttendedTransfer {
  /** the consultation call, once init() placed it */
  newSession: EngineCall | null;
  init(target: string): EngineCall;
  /** REFER the original call's far end to the consultation call's (Replaces); resolves when the target answered */
  complete(): Promise<void>;
  /** hang up the consultation call and resume the original */
  cancel(): Promise<void>;
}

export type ClientState = 'unregistered' | 'registering' | 'registered';

export interface WebRTCClientEvents {
  registered: [];
  unregistered: [];
  registrationFailed: [error: KazooError];
  disconnected: [error: KazooError];
  transportError: [error: KazooError];
  invite: [session: EngineCall, wantsVideo: boolean, shouldAutoAnswer: boolean];
  accepted: [session: EngineCall];
  rejected: [session: EngineCall, end: CallEnd];
  ended: [session: EngineCall, end: CallEnd];
  /** a MESSAGE request (only those: §7 #11) */
  message: [message: InboundMessage];
  reinvite: [session: EngineCall, held: boolean];
  heartbeat: [];
  heartbeatTimeout: [];
}

/** calld's auto-answer originations carry this in Alert-Info (any other Alert-Info is a ring tone: §7 #2) */
const AUTO_ANSWER = /xivo-autoanswer|info=alert-autoanswer/i;

export class WazoWebRTCClient extends Emitter<WebRTCClientEvents> {
  static readonly REGISTERED = 'registered';
  static readonly UNREGISTERED = 'unregistered';
  static readonly REGISTRATION_FAILED = 'registrationFailed';
  static readonly INVITE = 'invite';
  static readonly ACCEPTED = 'accepted';
  static readonly REJECTED = 'rejected';
  static readonly ENDED = 'ended';
  static readonly MESSAGE = 'message';

  readonly config: Required<Pick<WebRTCClientConfig, 'host' | 'iceCheckingTimeout' | 'heartbeatDelay' | 'heartbeatTimeout' | 'maxHeartbeats'>> & WebRTCClientConfig;
  readonly engine: Engine;
  private audioOutputVolume: number;
  private audioRingVolume = 1;
  private heartbeat: ReturnType<typeof setTimeout> | null = null;
  private missedBeats = 0;
  private readonly uaConfigOverrides: UaConfigOverrides;
  private stopMessages: (() => void) | null = null;

  constructor(config: WebRTCClientConfig, session?: WebRTCClientSession | null, uaConfigOverrides?: UaConfigOverrides, engineOptions?: CreateEngineOptions) {
    super();
    if (!config || typeof config.host !== 'string' || !config.host) throw new TypeError('WazoWebRTCClient: config.host is required');
    if (!config.authorizationUser || typeof config.password !== 'string') {
      throw new TypeError(`WazoWebRTCClient: config.authorizationUser and config.password are required${session ? ' (Wazo.Phone.connect reads them from confd)' : ''}`);
    }
    this.config = { iceCheckingTimeout: 1000, heartbeatDelay: 2000, heartbeatTimeout: 5000, maxHeartbeats: 3, ...config };
    // a copy: the caller's object is never changed (§7 #23)
    this.uaConfigOverrides = { ...uaConfigOverrides };
    this.audioOutputVolume = config.audioOutputVolume ?? 1;
    this.engine = createEngine({ logSink: config.log?.builtinEnabled ? undefined : null, debug: config.log?.logLevel === 'debug', ...engineOptions });
    this.engine.on('registered', () => {
      // each registration may be on a new transport (a reconnect after a drop): listen to its MESSAGEs
      this.stopMessages?.();
      this.stopMessages = this.engine.services?.onMessage((m) => this.emit('message', m)) ?? null;
      this.emit('registered');
    });
    this.engine.on('error', (e) => this.onEngineError(e));
    this.engine.on('incoming', (call) => {
      this.watch(call);
      const alert = call.controls?.header('Alert-Info') ?? '';
      this.emit('invite', call, call.controls?.offersVideo() ?? false, AUTO_ANSWER.test(alert));
    });
  }

  /** `wss://{host}:{port}/api/asterisk/ws` (`?userUuid=` when known) */
  get wsUrl(): string {
    const hostPort = this.config.websocketSip || `${this.config.host.replace(/:\d+$/, '')}:${this.config.port ?? (/:(\d+)$/.exec(this.config.host)?.[1] ?? 443)}`;
    return `wss://${hostPort}/api/asterisk/ws${this.config.userUuid ? `?userUuid=${encodeURIComponent(this.config.userUuid)}` : ''}`;
  }

  /** the SIP domain: the host without a port */
  get domain(): string { return this.config.host.replace(/:\d+$/, ''); }

  /** REGISTER once (later calls share the same registration, §7 #10); resolves on the 200 */
  register(): Promise<void> {
    if (this.engine.isRegistered) return Promise.resolve();
    // registering, or registered before and reconnecting now: the engine brings the registration (back)
    if (this.engine.isActive) return this.waitForRegister();
    const c = this.config;
    const iceServers = this.uaConfigOverrides.peerConnectionOptions?.iceServers ?? this.uaConfigOverrides.iceServers ?? [];
    const pending = this.waitForRegister();
    this.engine.register(registrationSettings({
      aor: `sip:${c.authorizationUser}@${this.domain}`,
      authUser: c.authorizationUser ?? '',
      password: c.password ?? '',
      wsUrl: this.wsUrl,
      displayName: c.displayName,
      iceServers,
      iceGatheringTimeout: c.iceCheckingTimeout,
      userAgent: c.userAgentString ?? 'kazoo-js wazo',
    }), engineReconnectOptions({}));
    return pending;
  }

  /** resolves when registered (at once if already, §7 #15); rejects on a registration error */
  waitForRegister(): Promise<void> {
    if (this.engine.isRegistered) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const ok = () => { this.off('registrationFailed', ko); resolve(); };
      const ko = (e: KazooError) => { this.off('registered', ok); reject(new EngineError(e.key)); };
      this.once('registered', ok);
      this.once('registrationFailed', ko);
    });
  }

  isRegistered(): boolean { return this.engine.isRegistered; }
  isConnected(): boolean { return this.engine.isActive; }
  getState(): ClientState { return this.engine.isRegistered ? 'registered' : this.engine.isActive ? 'registering' : 'unregistered'; }

  /** un-REGISTER and close the SIP connection */
  async unregister(): Promise<void> {
    this.stopHeartbeat();
    const was = this.engine.isActive;
    await this.engine.logout();
    if (was) this.emit('unregistered');
  }

  stop(): Promise<void> { return this.unregister(); }
  close(): Promise<void> { return this.unregister(); }

  call(number: string, enableVideo = false): EngineCall {
    const call = this.engine.call(number, { video: enableVideo });
    this.watch(call);
    return call;
  }

  answer(session: EngineCall, enableVideo = false): void {
    session.answer({ video: enableVideo });
  }

  /** 603 Decline for a ringing call (§7 #9), CANCEL for our own unanswered one */
  reject(session: EngineCall): void {
    if (session.direction === 'incoming' && !session.answered) session.reject(603, 'Decline');
    else session.hangup();
  }

  hangup(session: EngineCall): void { session.hangup(); }
  mute(session: EngineCall): void { session.mute(true); }
  unmute(session: EngineCall): void { session.mute(false); }
  isAudioMuted(session: EngineCall): boolean { return !(session.controls?.localStream()?.getAudioTracks()[0]?.enabled ?? true); }

  /** re-INVITE sendonly; resolves once the far end answered */
  async hold(session: EngineCall): Promise<void> {
    await session.need().setHold(true);
    heldState.set(session, true);
    this.emit('reinvite', session, true);
  }

  /** re-INVITE sendrecv; the microphone stays muted if it was (§7 #14) */
  async unhold(session: EngineCall): Promise<void> {
    await session.need().setHold(false);
    heldState.set(session, false);
    this.emit('reinvite', session, false);
  }

  isCallHeld(session: EngineCall): boolean { return !!session.controls && heldState.get(session) === true; }

  /**
   * Blind transfer: REFER, then BYE once the target answered (NOTIFY 2xx). A refused or failed transfer
   * rejects and leaves the call as it was (§7 #13).
   */
  transfer(session: EngineCall, target: string): Promise<void> {
    const done = transferOutcome(session);
    session.transfer(target);
    return done.then(() => session.hangup());
  }

  /** attended transfer: holds the call; init() places the consultation call */
  atxfer(session: EngineCall): AttendedTransfer {
    const held = this.hold(session);
    const xfer: AttendedTransfer = {
      newSession: null,
      init: (target) => (xfer.newSession = this.call(target)),
      complete: async () => {
        const consult = xfer.newSession;
        if (!consult) throw new EngineError('no_call');
        await held;
        await this.attendedTransfer(session, consult);
      },
      cancel: async () => {
        xfer.newSession?.hangup();
        await held.catch(() => undefined);
        await this.unhold(session);
      },
    };
    return xfer;
  }

  /**
   * REFER `session`'s far end to `consult`'s far end, with Replaces of `consult`; resolves once the target
   * answered (then `session` is hung up), rejects and leaves both calls as they were otherwise.
   */
  async attendedTransfer(session: EngineCall, consult: EngineCall): Promise<void> {
    const done = transferOutcome(session);
    session.attendedTransfer(consult);
    await done;
    session.hangup();
  }

  sendDTMF(session: EngineCall, tone: string): void { session.sendDTMF(tone); }

  /** out-of-dialog MESSAGE to a number or SIP URI */
  message(destination: string, text: string, contentType = 'text/plain'): Promise<void> {
    const services = this.engine.services;
    if (!services) return Promise.reject(new EngineError('not_registered'));
    const uri = this.engine.targetUri(destination);
    return uri ? services.sendMessage(uri, text, contentType) : Promise.reject(new EngineError('invalid_uri'));
  }

  /** in-dialog MESSAGE */
  sendMessage(session: EngineCall, body: string, contentType = 'text/plain'): Promise<void> {
    return session.need().sendMessage(body, contentType);
  }

  toggleCameraOff(session: EngineCall): void { session.need().setCamera(false); }
  toggleCameraOn(session: EngineCall): void { session.need().setCamera(true); }
  hasVideo(session: EngineCall): boolean { return !!session.controls?.remoteStream()?.getVideoTracks().length; }
  getRemoteStream(session: EngineCall): MediaStream | null { return session.controls?.remoteStream() ?? null; }
  getLocalStream(session: EngineCall): MediaStream | null { return session.controls?.localStream() ?? null; }
  getSipSessionId(session: EngineCall): string { return session.sipCallId ?? ''; }

  changeAudioOutputDevice(id: string): Promise<void> {
    this.config.audioOutputDeviceId = id;
    return this.engine.services?.setAudioOutput(id) ?? Promise.reject(new EngineError('not_registered'));
  }

  /** 0..1, applied to the far end's audio */
  changeAudioOutputVolume(volume: number): void {
    this.audioOutputVolume = clampVolume(volume);
    this.engine.services?.setOutputVolume(this.audioOutputVolume);
  }

  /** 0..1, stored for the application's ring tone (the engine plays none) */
  changeAudioRingVolume(volume: number): void { this.audioRingVolume = clampVolume(volume); }
  get outputVolume(): number { return this.audioOutputVolume; }
  get ringVolume(): number { return this.audioRingVolume; }

  /** the microphone for the next calls and the live ones */
  changeAudioInputDevice(id: string, session?: EngineCall): Promise<void> {
    return session ? session.need().setInputDevice('audio', id) : this.allCalls('audio', id);
  }

  changeVideoInputDevice(id: string, session?: EngineCall): Promise<void> {
    return session ? session.need().setInputDevice('video', id) : this.allCalls('video', id);
  }

  /** OPTIONS to the domain; true on an answer within heartbeatTimeout */
  pingServer(): Promise<boolean> {
    return this.engine.services?.ping(`sip:${this.domain}`, this.config.heartbeatTimeout) ?? Promise.resolve(false);
  }

  /** OPTIONS every heartbeatDelay; maxHeartbeats unanswered in a row → `heartbeatTimeout` and a reconnect */
  startHeartbeat(): void {
    this.stopHeartbeat();
    this.missedBeats = 0;
    const beat = async () => {
      const alive = await this.pingServer();
      if (!this.heartbeat) return;
      if (alive) {
        this.missedBeats = 0;
        this.emit('heartbeat');
      } else if (++this.missedBeats >= this.config.maxHeartbeats) {
        this.missedBeats = 0;
        this.emit('heartbeatTimeout');
        this.engine.reconnect();
      }
      this.heartbeat = setTimeout(() => void beat(), this.config.heartbeatDelay);
    };
    this.heartbeat = setTimeout(() => void beat(), 0);
  }

  stopHeartbeat(): void {
    if (this.heartbeat) clearTimeout(this.heartbeat);
    this.heartbeat = null;
  }

  hasHeartbeat(): boolean { return this.heartbeat !== null; }

  private async allCalls(kind: 'audio' | 'video', id: string): Promise<void> {
    await Promise.all(this.engine.calls.filter((c) => c.answered && c.controls).map((c) => c.need().setInputDevice(kind, id)));
  }

  private watch(call: EngineCall): void {
    call.on('accepted', () => this.emit('accepted', call));
    call.on('ended', (end) => {
      heldState.delete(call);
      if (!end.answered && end.event === 'rejected' && call.direction === 'outgoing') this.emit('rejected', call, end);
      this.emit('ended', call, end);
    });
    call.on('referred', (refer) => {
      // the far end transfers us: call the target; our call ends once the new one is up
      const next = refer.follow();
      if (!next) return;
      this.watch(next);
      next.once('accepted', () => call.hangup());
    });
  }

  private onEngineError(e: KazooError): void {
    if (e.key === 'disconnected') {
      this.emit('disconnected', e);
      this.emit('unregistered');
    } else if (e.key === 'unauthorized' || e.key === 'registration_failed' || e.key === 'server_not_reachable' || e.key === 'already_registered') {
      this.emit('registrationFailed', e);
    } else {
      this.emit('transportError', e);
    }
  }
}

const heldState = new WeakMap<EngineCall, boolean>();

function clampVolume(v: number): number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError('volume must be a number between 0 and 1');
  return Math.min(1, Math.max(0, v));
}

/** resolves when the REFER's target answered (NOTIFY 2xx), rejects on a refused REFER or a failed target */
function transferOutcome(session: EngineCall): Promise<void> {
  return new Promise((resolve, reject) => {
    const off = () => {
      session.off('transferCompleted', ok);
      session.off('transferFailed', ko);
      session.off('ended', gone);
    };
    const ok = () => { off(); resolve(); };
    const ko = (code: number | undefined, reason: string) => { off(); reject(new Error(`transfer failed: ${code ?? ''} ${reason}`.trim())); };
    const gone = () => { off(); reject(new Error('transfer failed: the call ended')); };
    session.on('transferCompleted', ok);
    session.on('transferFailed', ko);
    session.on('ended', gone);
  });
}
