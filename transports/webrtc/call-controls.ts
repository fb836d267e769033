import type { RTCSession } from 'jssip/lib/RTCSession';
import type {
  CallControls, CallMedia, InboundMessage, Transport, TransportCall, TransportExtension, TransportServices,
} from '../../src/transport';
import { setCameraSending } from './camera';
import { answeredElsewhere } from './cancel-reason';
import { JsSipCall } from './jssip-call';
import { WebRtcTransport } from './webrtc-transport';

/**
 * The WebRTC transport's extension (the engine's multi-call API: hold, attended transfer, MESSAGE,
 * OPTIONS, devices, video). Thin wrappers over what JsSIP's RTCSession and UA already do. Kept out of
 * JsSipCall/WebRtcTransport so the legacy build (dist/kazoo.js), which never asks for these, carries
 * none of it: only `createEngine` (src/engine) plugs it in.
 */

interface HeaderSource { getHeader(name: string): string | undefined }
interface ResponseEvent { response?: HeaderSource }
/** JsSIP's in-dialog request handlers (Dialog.sendRequest) */
interface DialogHandlers {
  onSuccessResponse(): void;
  onErrorResponse(r: { status_code: number; reason_phrase: string }): void;
  onRequestTimeout(): void;
  onTransportError(): void;
  onDialogError(): void;
}
type SendRequest = (method: string, options: { body: string; extraHeaders: string[]; eventHandlers: DialogHandlers }) => void;
/** the part of a JsSIP Message/Options request we read */
interface JsSipRequestEvent { originator: string; request: { call_id: string; to_tag?: string; body?: string; from: { uri: { user?: string; toString(): string }; display_name?: string }; getHeader(name: string): string | undefined } }

export function mediaConstraints(media: CallMedia): MediaStreamConstraints {
  return {
    audio: media.audioInputId ? { deviceId: { exact: media.audioInputId } } : true,
    video: media.video ? (media.videoInputId ? { deviceId: { exact: media.videoInputId } } : true) : false,
  };
}

/** resolves on the first callback, rejects with `what` and the SIP status on the others */
function sipOutcome(what: string, start: (ok: () => void, fail: (cause: string) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => start(resolve, (cause) => reject(new Error(`${what} failed: ${cause}`))));
}

class JsSipCallControls implements CallControls {
  private lastResponse: HeaderSource | null = null;

  constructor(private readonly call: JsSipCall, private readonly session: RTCSession) {
    const keep = (e: ResponseEvent) => { if (e.response) this.lastResponse = e.response; };
    session.on('progress', keep as never);
    session.on('accepted', keep as never);
    // an attended transfer by our far end: an INVITE with Replaces of this dialog takes its place (RFC
    // 3891). It is accepted and answered at once (JsSIP ends this call when it is confirmed); the new
    // call reaches the engine as incoming, with the Replaces header to tell it apart
    session.on('replaces', ((data: { accept(init: (next: RTCSession) => void): void }) => {
      const video = !!this.localStream()?.getVideoTracks().length;
      data.accept((next) => queueMicrotask(() => next.answer({ ...call.ctx.options, mediaConstraints: mediaConstraints({ video }) })));
    }) as never);
  }

  get sipCallId(): string {
    return (this.session as unknown as { _request: { call_id: string } })._request.call_id;
  }

  header(name: string): string | undefined {
    const source = this.call.direction === 'incoming'
      ? (this.session as unknown as { _request: HeaderSource })._request
      : this.lastResponse;
    return source?.getHeader(name) || undefined;
  }

  /** read when the engine's `ended` goes out: JsSipCall keeps JsSIP's 'failed' event (with the CANCEL) before */
  answeredElsewhere(): boolean {
    const f = this.call.failure;
    return f?.cause === 'Canceled' && answeredElsewhere(f.message as never);
  }

  offersVideo(): boolean {
    if (this.call.direction !== 'incoming') return false;
    const offer = (this.session as unknown as { _request: { body?: string } })._request.body ?? '';
    return /^m=video [1-9]/m.test(offer); // port 0: video refused
  }

  answer(media: CallMedia): void {
    // an INVITE without an offer (a third-party call controller's, RFC 3725): our 200 carries the offer,
    // and JsSIP leaves out every medium the INVITE did not offer unless asked to offer it (else an empty offer)
    const offerless = !(this.session as unknown as { _request: { body?: string } })._request.body;
    const rtcOfferConstraints = offerless ? { offerToReceiveAudio: true, offerToReceiveVideo: !!media.video } : undefined;
    this.session.answer({ ...this.call.ctx.options, mediaConstraints: mediaConstraints(media), ...(rtcOfferConstraints && { rtcOfferConstraints }) });
  }

  setHold(held: boolean): Promise<void> {
    return sipOutcome(held ? 'hold' : 'resume', (ok, fail) => {
      // JsSIP ends the call itself (500 Hold Failed) when the far end refuses the re-INVITE
      const onEnd = () => fail('the call ended');
      this.session.once('ended', onEnd);
      this.session.once('failed', onEnd);
      const done = () => {
        this.session.off('ended', onEnd);
        this.session.off('failed', onEnd);
        if (!held) this.playRemote();
        ok();
      };
      const started = held ? this.session.hold({}, done) : this.session.unhold({}, done);
      if (!started) {
        this.session.off('ended', onEnd);
        this.session.off('failed', onEnd);
        const h = this.session.isOnHold().local;
        // already in the asked state: nothing to do
        if (h === held) ok();
        else fail('the call is not established or a re-INVITE is pending');
      }
    });
  }

  transferReplacing(other: CallControls): void {
    if (!(other instanceof JsSipCallControls)) throw new TypeError('attended transfer needs two calls of the same transport');
    // the far end of the consultation call, by its AOR (a proxy can route it; its Contact may be a .invalid host)
    const target = other.session.remote_identity.uri.toString();
    this.call.refer(target, { replaces: other.session });
  }

  sendMessage(body: string, contentType: string): Promise<void> {
    return sipOutcome('MESSAGE', (ok, fail) => {
      const send = (this.session as unknown as { sendRequest: SendRequest }).sendRequest.bind(this.session);
      send('MESSAGE', {
        body,
        extraHeaders: [`Content-Type: ${contentType}`],
        eventHandlers: {
          onSuccessResponse: ok,
          onErrorResponse: (r) => fail(`${r.status_code} ${r.reason_phrase}`),
          onRequestTimeout: () => fail('timeout'),
          onTransportError: () => fail('transport error'),
          onDialogError: () => fail('dialog error'),
        },
      });
    });
  }

  setCamera(enabled: boolean): void {
    setCameraSending(this.session.connection?.getSenders() ?? [], enabled)
      .catch((e: Error) => this.call.ctx.logger.warn(`camera ${enabled ? 'on' : 'off'}: the video encoding was not switched (${e.message})`));
  }

  async setInputDevice(kind: 'audio' | 'video', deviceId: string): Promise<void> {
    const pc = this.session.connection;
    const sender = pc?.getSenders().find((s) => s.track?.kind === kind);
    if (!sender) throw new Error(`the call sends no ${kind}`);
    const stream = await navigator.mediaDevices.getUserMedia({ [kind]: { deviceId: { exact: deviceId } } });
    const track = stream.getTracks()[0];
    const old = sender.track;
    if (old) track.enabled = old.enabled; // a muted microphone stays muted on the new device
    await sender.replaceTrack(track);
    old?.stop();
  }

  playRemote(): void {
    const stream = this.remoteStream();
    if (!stream) return;
    const el = this.call.ctx.remoteAudio.audioElement();
    el.srcObject = stream;
    void el.play().catch(() => { /* autoplay policy: plays on the next user gesture */ });
  }

  localStream(): MediaStream | null {
    return tracksOf(this.session.connection?.getSenders());
  }

  remoteStream(): MediaStream | null {
    return tracksOf(this.session.connection?.getReceivers());
  }
}

function tracksOf(list: Array<{ track: MediaStreamTrack | null }> | undefined): MediaStream | null {
  const tracks = (list ?? []).map((x) => x.track).filter((t): t is MediaStreamTrack => !!t);
  return tracks.length && typeof MediaStream !== 'undefined' ? new MediaStream(tracks) : null;
}

class JsSipServices implements TransportServices {
  constructor(private readonly transport: WebRtcTransport) {}

  private get ua() {
    const ua = this.transport.ua;
    if (!ua) throw new Error('not started');
    return ua;
  }

  sendMessage(target: string, body: string, contentType: string): Promise<void> {
    return sipOutcome('MESSAGE', (ok, fail) => {
      this.ua.sendMessage(target, body, {
        contentType,
        eventHandlers: { succeeded: ok, failed: (e: { cause?: string }) => fail(e.cause ?? 'failed') },
      } as never);
    });
  }

  ping(target: string, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      const done = (alive: boolean) => { clearTimeout(timer); resolve(alive); };
      try {
        // JsSIP's typings lack sendOptions (UA.js has it)
        (this.ua as unknown as { sendOptions(t: string, body: undefined, o: object): void }).sendOptions(target, undefined, {
          // any final answer proves the server alive (a registrar may answer OPTIONS 404 or 405)
          eventHandlers: { succeeded: () => done(true), failed: (e: { originator?: string }) => done(e.originator === 'remote') },
        } as never);
      } catch {
        done(false);
      }
    });
  }

  onMessage(listener: (message: InboundMessage) => void): () => void {
    const ua = this.ua;
    const handler = (e: JsSipRequestEvent) => {
      if (e.originator !== 'remote') return;
      const r = e.request;
      listener({
        from: { uri: r.from.uri.toString(), name: r.from.display_name || undefined, number: r.from.uri.user ?? '' },
        contentType: r.getHeader('Content-Type') ?? 'text/plain',
        body: r.body ?? '',
        dialogCallId: r.to_tag ? r.call_id : undefined,
      });
    };
    ua.on('newMessage', handler as never);
    return () => ua.off('newMessage', handler as never);
  }

  async setAudioOutput(deviceId: string): Promise<void> {
    const el = this.transport.remoteAudio.audioElement() as HTMLAudioElement & { setSinkId?(id: string): Promise<void> };
    if (!el.setSinkId) throw new Error('this browser cannot choose the audio output (no setSinkId)');
    await el.setSinkId(deviceId);
  }

  setOutputVolume(volume: number): void {
    this.transport.remoteAudio.audioElement().volume = Math.min(1, Math.max(0, volume));
  }
}

/** one TransportServices per transport (the engine asks on every use) */
const servicesOf = new WeakMap<WebRtcTransport, JsSipServices>();

/** Plug into `createEngine({extension})`: CallControls and TransportServices for WebRTC transports. */
export const webRtcExtension: TransportExtension = {
  controls(call: TransportCall): CallControls | null {
    return call instanceof JsSipCall ? new JsSipCallControls(call, call.session) : null;
  },
  services(transport: Transport): TransportServices | null {
    if (!(transport instanceof WebRtcTransport)) return null;
    let s = servicesOf.get(transport);
    if (!s) servicesOf.set(transport, (s = new JsSipServices(transport)));
    return s;
  },
  call(transport: Transport, target: string, media: CallMedia): TransportCall | null {
    if (!(transport instanceof WebRtcTransport) || !transport.ua) return null;
    const options = { ...transport.callContext().options, mediaConstraints: mediaConstraints(media) };
    return transport.wrapOutgoing(transport.ua.call(target, options), target);
  },
};
