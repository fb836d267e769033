/**
 * The RTMP transport: one connection to a siprtmp gateway (rtmplite's, 2600hz's fork, or ours) per
 * registration. The connect succeeds only once the gateway's SIP REGISTER did; the gateway's calls on
 * the client (`invited`, `accepted`, `byed`, `notified`, `unauthorized`…) become the engine's events.
 * Like every transport it never reconnects by itself: the engine's monitor calls reconnect().
 *
 * Our gateway keeps an answered call for a while when the connection drops (gateway/session/resume.ts):
 * its `accepted` carries `{ token, graceMs }`, the call is then suspended rather than ended on a drop,
 * and the next connect presents the token in its command object. A reply with `resumed: true` gives the
 * call back (the streams are opened again); any other reply, or no connection within `graceMs`, ends it.
 * An original siprtmp gateway sends no token: there the call ends with the connection, as it always did.
 */
import { EventEmitter } from 'eventemitter3';
import type {
  DisconnectInfo, RegistrationSettings, Transport, TransportCall, TransportEnvironment, TransportEvents,
} from '../../../src/transport';
import type { AmfValue } from '../../../protocol/rtmp/amf-values';
import type { IncomingCommand } from '../../../protocol/rtmp/connection-core';
import { RtmpClient } from '../../../protocol/rtmp/rtmp-client';
import { RtmpCallError } from '../../../protocol/rtmp/transactions';
import { rtmpEndpoints, type RtmpEndpoints } from './endpoints';
import type { RtmpPlatform } from './platform';
import { RtmpCall, type CallLine } from './rtmp-call';
import { parseRemoteParty, parseStatusText, type StatusText } from './sip-text';

/** siprtmp answers connect only after its SIP REGISTER: allow for a slow registrar */
const CONNECT_TIMEOUT_MS = 20_000;
/** our gateway's RPC (gateway/README.md): stop refreshing this connection's REGISTER, keep the connection */
const STOP_REFRESH_RPC = 'stopRegistrationRefresh';
/** logout's wait for the connection to close */
const STOP_TIMEOUT_MS = 2000;
/** a gateway's window longer than this is not trusted: a page's call does not hang on for ever */
const MAX_RESUME_MS = 300_000;

/** our gateway's resume offer for the answered call (third argument of `accepted`) */
interface ResumeOffer {
  readonly token: string;
  readonly graceMs: number;
}

function resumeOfferOf(value: AmfValue | undefined): ResumeOffer | null {
  const o = value as { token?: unknown; graceMs?: unknown } | null | undefined;
  if (typeof o?.token !== 'string' || typeof o.graceMs !== 'number' || !(o.graceMs > 0)) return null;
  return { token: o.token, graceMs: Math.min(o.graceMs, MAX_RESUME_MS) };
}

/** `register` settings as the RTMP transport reads them; `rtmpTunnelUrl` is optional (see README) */
export type RtmpRegistrationSettings = RegistrationSettings & { rtmpTunnelUrl?: string };

/** One connection attempt and what it learnt. */
interface Attempt {
  /** null while the duplex opens */
  client: RtmpClient | null;
  connected: boolean;
  /** the fork's `unauthorized('401 Unauthorized')` before it rejects the connect */
  unauthorized: StatusText | null;
  /** closed by us (reconnect/stop): its close is not news */
  retired: boolean;
}

export class RtmpTransport extends EventEmitter<TransportEvents> implements Transport {
  readonly protocol = 'rtmp' as const;
  private settings: RtmpRegistrationSettings | null = null;
  private endpoints: RtmpEndpoints | null = null;
  private attempt: Attempt | null = null;
  private call_: RtmpCall | null = null;
  private stopped = false;
  /** the current call's resume offer, once answered by a gateway that makes one */
  private resume: ResumeOffer | null = null;
  /** the call is suspended after a drop: the token goes with the next connect; ends it when the window closes */
  private suspended: { token: string; timer: ReturnType<typeof setTimeout>; hangUp: boolean } | null = null;

  constructor(private readonly env: TransportEnvironment, private readonly platform: RtmpPlatform) {
    super();
  }

  start(settings: RegistrationSettings): void {
    const s = settings as RtmpRegistrationSettings;
    if (!s.rtmpUrl) throw new TypeError('rtmpUrl is required for RTMP');
    this.settings = s;
    this.endpoints = rtmpEndpoints(s.rtmpUrl, s.aor, s.rtmpTunnelUrl, this.platform.secure());
    this.stopped = false;
    this.open();
  }

  reconnect(): void {
    if (!this.settings || this.stopped) return;
    this.retire();
    this.open();
  }

  /**
   * A User Control ping (our gateway and SRS answer) raced with a `call` round trip (rtmplite ignores
   * pings but answers every call, `_result` or `_error`): either answer means the connection lives.
   */
  probe(timeoutMs: number): Promise<boolean> {
    const client = this.attempt?.connected ? this.attempt.client : null;
    if (!client) return Promise.resolve(false);
    return new Promise((resolve) => {
      let failures = 0;
      const fail = () => { if (++failures === 2) resolve(false); };
      client.ping(timeoutMs).then(() => resolve(true), fail);
      const timer = setTimeout(fail, timeoutMs);
      client.call('ping').then(
        () => { clearTimeout(timer); resolve(true); },
        (error: unknown) => {
          clearTimeout(timer);
          if (error instanceof RtmpCallError && error.code === 'error-reply') resolve(true);
          else fail();
        },
      );
    });
  }

  /** The probe went unanswered: closed as a lost connection, and reported as one. */
  dropDeadConnection(reason: string): void {
    const a = this.attempt;
    if (!a?.connected || a.retired) return;
    a.retired = true;
    this.loseConnection();
    a.client?.close();
    this.disconnected({ neverOpened: false, reason });
  }

  /**
   * Another device took the registration over. The gateway refreshes the REGISTER on its own, so it is
   * asked to stop: our gateway's `stopRegistrationRefresh` RPC stops the refresh of this connection's
   * REGISTER without unregistering (the new device keeps the binding). A siprtmp gateway without it
   * (rtmplite's siprtmp.py answers a `_result` without a value for a method it does not have, others
   * `_error`) keeps refreshing until logout, taking the binding back at its next refresh; the engine
   * does not reconnect either way (docs/api.md).
   */
  stopRegistrationRefresh(): void {
    const client = this.attempt?.connected ? this.attempt.client : null;
    if (!client) return;
    const cannot = (why: string) => this.env.logger.warn(
      `RTMP: the gateway cannot stop its REGISTER refresh (${why}): it keeps the binding until logout()`,
    );
    client.call(STOP_REFRESH_RPC).then(
      (reply) => (reply.args[0] ? this.env.logger.debug('RTMP: the gateway stopped its REGISTER refresh') : cannot('no such RPC')),
      (error: Error) => cannot(error.message),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const call = this.call_;
    if (call && !call.isEnded) call.hangup();
    this.endSuspension();
    const a = this.attempt;
    this.attempt = null;
    if (!a) return;
    a.retired = true;
    const client = a.client;
    if (!client || client.state === 'closed') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, STOP_TIMEOUT_MS);
      client.on('close', () => { clearTimeout(timer); resolve(); });
      client.close();
    });
  }

  isConnected(): boolean {
    return !!this.attempt?.connected && this.attempt.client?.state === 'connected';
  }

  call(target: string): TransportCall {
    const remote = parseRemoteParty(target);
    const call = this.adopt(new RtmpCall('outgoing', { uri: target, number: remote.number }, this.line()));
    call.dial();
    return call;
  }

  // ---- connection ----

  private open(): void {
    const settings = this.settings;
    const endpoints = this.endpoints;
    if (!settings || !endpoints) return;
    // the attempt exists before the duplex opens, so that reconnect()/stop() can retire it
    const a: Attempt = { client: null, connected: false, unauthorized: null, retired: false };
    this.attempt = a;
    this.platform.openDuplex(endpoints, this.env.logger).then(
      (duplex) => {
        if (a.retired) return duplex.close();
        // every gateway call gets an empty `_result` when it asks for one (rtmplite numbers its calls)
        const token = this.suspended?.token;
        const client = new RtmpClient(duplex, {
          connectTimeoutMs: CONNECT_TIMEOUT_MS,
          onCommand: () => undefined,
          // our gateway's resume: the call suspended by the drop is asked back (an original gateway ignores it)
          ...(token ? { commandObject: { resumeToken: token } } : {}),
        });
        a.client = client;
        client.on('command', (command) => this.onCommand(a, command));
        client.on('close', ({ error }) => this.onClose(a, error));
        client.on('error', (error) => this.env.logger.debug(`RTMP: ${error.message}`));
        client.connect(endpoints.connectUrl, settings.authUser, settings.password, settings.displayName ?? '', 'narrowband').then(
          (result) => {
            if (a.retired) return;
            a.connected = true;
            if (token) this.afterResume(token, result.info.resumed === true);
            this.emit('connected');
            this.emit('registered');
          },
          (error: unknown) => this.onConnectFailed(a, error),
        );
      },
      (error: unknown) => {
        if (a.retired) return;
        a.retired = true;
        this.env.logger.debug(`RTMP gateway not reachable: ${(error as Error).message}`);
        this.disconnected({ neverOpened: true, reason: (error as Error).message });
      },
    );
  }

  /** rejected connect: a REGISTER failure when the gateway said so (the fork's `unauthorized`, or a status in the rejection) */
  private onConnectFailed(a: Attempt, error: unknown): void {
    if (a.retired) return;
    a.retired = true;
    const info = error instanceof RtmpCallError ? error.info : undefined;
    const status = a.unauthorized ?? (info?.code === 'NetConnection.Connect.Rejected' ? parseStatusText(info.description) : null);
    if (status?.code !== undefined) {
      this.emit('registrationFailed', {
        code: status.code,
        reason: status.reason,
        source: { protocol: 'rtmp', code: status.code, reason: status.reason, status: info?.code },
      });
      return;
    }
    this.disconnected({ neverOpened: true, reason: info?.description ?? (error as Error).message, status: info?.code });
  }

  private onClose(a: Attempt, error: Error | undefined): void {
    if (a.retired) return;
    if (!a.connected) return; // a failed connect is reported by onConnectFailed (a suspended call waits on)
    a.retired = true;
    this.loseConnection();
    this.disconnected({ neverOpened: false, reason: error?.message ?? 'connection closed' });
  }

  private disconnected(detail: { neverOpened: boolean; reason?: string; status?: string }): void {
    if (this.stopped) return;
    const info: DisconnectInfo = { neverOpened: detail.neverOpened, reason: detail.reason, source: { protocol: 'rtmp', ...detail } };
    this.emit('disconnected', info);
  }

  /** closes the current connection without reporting it (reconnect, stop) */
  private retire(): void {
    const a = this.attempt;
    this.attempt = null;
    if (!a) return;
    a.retired = true;
    this.loseConnection();
    a.client?.close();
  }

  // ---- gateway callbacks ----

  private onCommand(a: Attempt, command: IncomingCommand): void {
    if (a.retired) return;
    const args = command.args;
    const call = this.call_;
    switch (command.name) {
      case 'unauthorized':
        a.unauthorized = parseStatusText(args[0]);
        return;
      case 'notified':
        this.notified(args[0], args[1]);
        return;
      case 'invited':
        this.invited(args[0]);
        return;
      case 'accepted':
        if (args.length > 0) this.resume = resumeOfferOf(args[2]);
        if (this.resume) this.env.logger.redact(this.resume.token); // a credential for this call: never in a log
        call?.onAccepted(args);
        return;
      case 'rejected':
        call?.onRejected(args[0]);
        return;
      case 'cancelled':
        call?.onCancelled();
        return;
      case 'byed':
        call?.onByed();
        return;
      // our gateway only: the far end transferred this user (gateway/README.md)
      case 'referred':
        call?.onReferred(args[0]);
        return;
      case 'transferred':
        call?.onTransferred();
        return;
      case 'referFailed':
        call?.onReferFailed(args[0]);
        return;
      case 'ringing':
      case 'holded':
      default:
        this.env.logger.debug(`RTMP gateway called ${command.name}(${args.map((v) => JSON.stringify(v)).join(', ')})`);
    }
  }

  private notified(contentType: AmfValue | undefined, body: AmfValue | undefined): void {
    const ct = typeof contentType === 'string' && contentType ? contentType : undefined;
    const text = typeof body === 'string' ? body : '';
    this.emit('notify', { contentType: ct, body: text, source: { protocol: 'rtmp', contentType: ct, body: text } });
  }

  private invited(from: AmfValue | undefined): void {
    const call = new RtmpCall('incoming', parseRemoteParty(typeof from === 'string' ? from : ''), this.line());
    // a second INVITE during a call is declined by the engine: it must not take the first one's place
    if (!this.call_ || this.call_.isEnded) this.adopt(call);
    this.emit('incoming', call);
  }

  private adopt(call: RtmpCall): RtmpCall {
    this.call_ = call;
    call.once('ended', () => {
      if (this.call_ !== call) return;
      this.call_ = null;
      this.resume = null;
      // hung up while suspended: the next connection resumes the call only to say bye
      if (this.suspended) this.suspended.hangUp = true;
    });
    return call;
  }

  // ---- surviving a drop (our gateway's resume) ----

  /** the connection is gone: an answered call with a resume offer waits for the next one, others end */
  private loseConnection(): void {
    if (this.suspended) return; // an attempt to get it back failed: the call waits on, to its deadline
    const call = this.call_;
    const offer = this.resume;
    if (!call || !offer || !call.suspend()) return this.endCall();
    this.env.logger.debug(`RTMP: connection lost during a call: asking the gateway for it back (within ${offer.graceMs} ms)`);
    const timer = setTimeout(() => {
      this.env.logger.warn('RTMP: the call could not be resumed in time: it is over');
      this.endSuspension();
      this.endCall();
    }, offer.graceMs);
    this.suspended = { token: offer.token, timer, hangUp: false };
  }

  /** the connect that presented `token` succeeded: the call is back (`resumed`), or over */
  private afterResume(token: string, resumed: boolean): void {
    const suspended = this.suspended;
    if (suspended?.token !== token) return;
    this.endSuspension();
    if (!resumed) {
      this.env.logger.warn('RTMP: the gateway did not give the call back: it is over');
      return this.endCall();
    }
    this.env.logger.debug('RTMP: the call resumed on the new connection');
    if (suspended.hangUp) this.line().send('bye');
    else this.call_?.resumed();
  }

  private endSuspension(): void {
    if (this.suspended) clearTimeout(this.suspended.timer);
    this.suspended = null;
  }

  private endCall(): void {
    const call = this.call_;
    this.call_ = null;
    call?.onConnectionLost();
  }

  private line(): CallLine {
    const client = () => (this.attempt?.connected ? this.attempt.client : null);
    return {
      logger: this.env.logger,
      media: this.platform.media,
      send: (method, ...args) => {
        const c = client();
        if (!c) return false;
        c.notify(method, ...args);
        return true;
      },
      request: (method, ...args) => client()?.call(method, ...args) ?? Promise.reject(new Error('not connected to the RTMP gateway')),
      createStream: () => client()?.createStream() ?? Promise.reject(new Error('not connected to the RTMP gateway')),
    };
  }
}
