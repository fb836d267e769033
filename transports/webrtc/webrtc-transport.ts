import { EventEmitter } from 'eventemitter3';
import JsSIP from 'jssip';
import type { RTCSession } from 'jssip/lib/RTCSession';
import type { IncomingRequest } from 'jssip/lib/SIPMessage';
import type {
  RegistrationSettings, RemoteParty, Transport, TransportCall, TransportEnvironment, TransportEvents,
} from '../../src/transport';
import { JsSipCall, type CallContext } from './jssip-call';
import { RemoteAudio } from './remote-audio';
import { SipWebSocket, type WebSocketConstructor } from './sip-socket';
import { systemClock } from '../../protocol/clock';
import { MEDIA_WATCHDOG_DEFAULTS } from './media-watchdog';

/** How long logout waits for the un-REGISTER before it closes the socket anyway. */
const STOP_TIMEOUT_MS = 3000;

function newUserAgent(settings: RegistrationSettings, socket: SipWebSocket): JsSIP.UA {
  return new JsSIP.UA({
    sockets: [socket as unknown as JsSIP.Socket],
    uri: settings.aor,
    authorization_user: settings.authUser,
    password: settings.password,
    display_name: settings.displayName,
    register: true,
    register_expires: settings.registerExpires,
    // session timers send UPDATEs that kill a call when they fall into a socket outage
    session_timers: false,
    instance_id: settings.instanceId,
    contact_uri: settings.contactUri,
    user_agent: settings.userAgent,
  });
}

/**
 * WebRTC transport: SIP over WebSocket with JsSIP, media by the browser's RTCPeerConnection (or, in
 * Node, whatever `kazoo-js/node` installed). One JsSIP UA per registration; reconnects reuse it (and
 * so its Call-ID, Contact and +sip.instance), only the socket is replaced.
 */
export class WebRtcTransport extends EventEmitter<TransportEvents> implements Transport {
  readonly protocol = 'webrtc' as const;
  /** read by call-controls.ts (MESSAGE, OPTIONS) */
  ua: JsSIP.UA | null = null;
  private socket: SipWebSocket | null = null;
  private settings: RegistrationSettings | null = null;
  private everOpened = false;
  /** the next disconnect is ours (reconnect() replaced the socket): not news for the engine */
  private replacing = false;
  readonly remoteAudio = new RemoteAudio();
  /** calls in progress: told when the socket goes and comes back (their dialogs are refreshed) */
  private readonly calls = new Set<JsSipCall>();

  constructor(private readonly env: TransportEnvironment, private readonly WS: WebSocketConstructor) {
    super();
  }

  start(settings: RegistrationSettings): void {
    if (!settings.wsUrl) throw new TypeError('wsUrl is required for WebRTC');
    this.settings = settings;
    const socket = new SipWebSocket(settings.wsUrl, this.WS);
    this.socket = socket;
    // a call in progress cannot wait for the engine's reconnect pace (sip-socket.ts: fast retry)
    socket.fastRetry = () => [...this.calls].some((c) => c.session.isEstablished());
    // The WebSocket opens before JsSIP is built, so its handshake runs while JsSIP checks the
    // configuration: on a fresh page that is ~5–10 ms of CPU (the AOR, the socket's URI, the contact
    // and the instance id each go through JsSIP's PEG grammar, compiled on first use). Opened after it,
    // as JsSIP does on its own, register → onConnected took ~1.3× raw JsSIP (bench/webrtc-setup.mjs).
    // JsSIP's connect() in ua.start() finds the socket connecting and takes over its events: the open
    // event cannot come earlier, start() runs to its end first.
    socket.connect();
    let ua: JsSIP.UA;
    try {
      ua = newUserAgent(settings, socket);
    } catch (e) {
      // a configuration JsSIP refuses: no socket left open behind the error
      this.socket = null;
      socket.disconnect();
      throw e;
    }
    this.ua = ua;
    ua.on('connected', () => {
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.emit('connected');
      // in-dialog routing needs no registration: the refresh goes out at once, the REGISTER in parallel
      if (reconnected) for (const c of this.calls) void c.signallingBack();
    });
    ua.on('disconnected', (e: { code?: number; reason?: string; error?: boolean }) => {
      for (const c of this.calls) c.signallingLost();
      if (this.replacing) {
        this.replacing = false;
        return;
      }
      socket.setGate(false);
      this.emit('disconnected', {
        code: e.code,
        reason: e.reason,
        neverOpened: !this.everOpened,
        source: { protocol: 'webrtc', code: e.code, reason: e.reason, error: e.error },
      });
    });
    ua.on('registered', () => this.emit('registered'));
    ua.on('registrationFailed', (e) => {
      const response = e.response as { status_code?: number; reason_phrase?: string } | null;
      this.emit('registrationFailed', {
        code: response?.status_code,
        reason: response?.reason_phrase ?? e.cause ?? 'registration failed',
        source: { protocol: 'webrtc', statusCode: response?.status_code, cause: e.cause },
      });
    });
    ua.on('sipEvent', (e) => {
      const r: IncomingRequest = e.request;
      if (r.method !== 'NOTIFY') return;
      const contentType = r.getHeader('Content-Type') || undefined;
      const event = (e.event as { event?: string } | null)?.event;
      const body = r.body ?? '';
      this.emit('notify', { event, contentType, body, source: { protocol: 'webrtc', event, contentType, body, from: String(r.from.uri) } });
    });
    ua.on('newRTCSession', (e: { originator: string; session: RTCSession; request: IncomingRequest }) => {
      if (e.originator !== 'remote') return;
      const from = e.request.from;
      const remote: RemoteParty = { uri: String(from.uri), name: from.display_name || undefined, number: from.uri.user ?? '' };
      this.emit('incoming', this.track(new JsSipCall(e.session, 'incoming', remote, this.callContext())));
    });
    ua.start();
  }

  reconnect(): void {
    const socket = this.socket;
    const ua = this.ua;
    if (!socket || !ua) return;
    if (socket.isConnected() || (socket.isConnecting() && !socket.isHeld)) {
      this.replacing = true;
      socket.drop();
    }
    socket.setGate(true);
    const t = (ua as unknown as { transport: unknown }).transport as { isConnected(): boolean; isConnecting(): boolean; connect(): void };
    if (!socket.isHeld && !t.isConnected() && !t.isConnecting()) t.connect();
  }

  probe(timeoutMs: number): Promise<boolean> {
    return this.socket ? this.socket.probe(timeoutMs) : Promise.resolve(false);
  }

  /** the probe went unanswered: the socket goes as if the network had dropped it (JsSIP's disconnect is reported) */
  dropDeadConnection(reason: string): void {
    if (this.socket?.isConnected()) this.socket.drop(reason);
  }

  stopRegistrationRefresh(): void {
    // un-REGISTERs our own contact only: the registrar keeps the device that took over
    this.ua?.unregister();
  }

  isConnected(): boolean {
    return !!this.socket?.isConnected();
  }

  stop(): Promise<void> {
    const ua = this.ua;
    const socket = this.socket;
    this.ua = null;
    this.socket = null;
    this.remoteAudio.detach();
    if (!ua || !socket) return Promise.resolve();
    socket.setGate(false);
    return new Promise((resolve) => {
      const timer = setTimeout(finish, STOP_TIMEOUT_MS);
      function finish() {
        clearTimeout(timer);
        socket?.disconnect();
        resolve();
      }
      if (!socket.isConnected()) {
        ua.stop();
        finish();
        return;
      }
      ua.once('disconnected', finish);
      ua.stop();
    });
  }

  call(target: string): TransportCall {
    const ua = this.ua;
    if (!ua) throw new Error('not started');
    // JsSIP creates the peer connection inside call(); JsSipCall picks it up from session.connection
    const session = ua.call(target, this.callContext().options);
    return this.wrapOutgoing(session, target);
  }

  callContext(): CallContext {
    const s = this.settings as RegistrationSettings;
    return {
      options: { mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: s.iceServers } },
      fastIce: s.fastIce,
      iceGatheringTimeout: s.iceGatheringTimeout,
      dtmfType: s.dtmfType,
      remoteAudio: this.remoteAudio,
      follow: (session, target) => this.wrapOutgoing(session, target),
      signallingUp: () => !!this.socket?.isConnected(),
      registered: () => !!this.ua?.isRegistered(),
      probeSignalling: (ms) => this.probe(ms),
      replaceConnection: (reason) => this.dropDeadConnection(reason),
      mediaTimeoutMs: s.mediaTimeout ?? MEDIA_WATCHDOG_DEFAULTS.timeoutMs,
      clock: systemClock,
      logger: this.env.logger,
    };
  }

  wrapOutgoing(session: RTCSession, target: string): TransportCall {
    const user = /^sips?:([^@]+)@/.exec(target)?.[1] ?? target;
    return this.track(new JsSipCall(session, 'outgoing', { uri: target, number: user }, this.callContext()));
  }

  private track(call: JsSipCall): JsSipCall {
    this.calls.add(call);
    call.once('ended', () => this.calls.delete(call));
    return call;
  }
}
