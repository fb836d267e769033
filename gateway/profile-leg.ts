/**
 * The media leg that picks its profile per call, so one gateway serves a PBX behind rtpengine (plain
 * RTP/AVP) and browsers reached through a signalling-only server (WebRTC: ICE + DTLS-SRTP) alike:
 * - answering, the remote offer decides: (UDP/TLS/)RTP/SAVPF with ICE → WebRTC leg, else the RTP leg;
 * - offering, `mediaProfile` decides: 'rtp' → RTP/AVP; 'webrtc' → the WebRTC profile (ICE + DTLS-SRTP);
 *   'auto' → the WebRTC profile first (a browser refuses anything else) and, when the far end refuses
 *   that offer for its SDP (488, 415, 606), once more in RTP/AVP (`switchProfile()`, used by the call,
 *   which sends a new INVITE: a PBX without DTLS answers the second one).
 * The inner leg is made on the first offer/answer and kept for re-INVITEs (hold).
 */
import type { Awaitable, MediaFrame, MediaLeg, MediaLegFactory, MediaOfferOptions } from './media-leg';
import type { AudioCodec } from './sdp';
import { isWebRtcSdp } from './webrtc-sdp';

export type MediaProfile = 'rtp' | 'webrtc' | 'auto';

export interface ProfileLegFactories {
  readonly rtp: MediaLegFactory;
  readonly webrtc: MediaLegFactory;
}

export function profileLegFactory(profile: MediaProfile, factories: ProfileLegFactories): MediaLegFactory {
  return async () => new ProfileLeg(profile, factories);
}

export class ProfileLeg implements MediaLeg {
  private inner: MediaLeg | null = null;
  private innerKind: 'rtp' | 'webrtc' = 'rtp';
  private frameHandler: ((frame: MediaFrame) => void) | null = null;
  private dtmfHandler: ((digit: string) => void) | null = null;
  private closed = false;
  private switched = false;

  constructor(
    private readonly profile: MediaProfile,
    private readonly factories: ProfileLegFactories,
  ) {}

  /** Which profile this call ended up on (null before the first offer/answer). */
  get kind(): 'rtp' | 'webrtc' | null {
    return this.inner ? this.innerKind : null;
  }

  get onFrame(): ((frame: MediaFrame) => void) | null {
    return this.frameHandler;
  }
  set onFrame(fn: ((frame: MediaFrame) => void) | null) {
    this.frameHandler = fn;
    if (this.inner) this.inner.onFrame = fn;
  }

  get onDtmf(): ((digit: string) => void) | null {
    return this.dtmfHandler;
  }
  set onDtmf(fn: ((digit: string) => void) | null) {
    this.dtmfHandler = fn;
    if (this.inner) this.inner.onDtmf = fn;
  }

  get codec(): AudioCodec | null {
    return this.inner?.codec ?? null;
  }

  get remoteHold(): boolean {
    return this.inner?.remoteHold ?? false;
  }

  async createOffer(options: MediaOfferOptions): Promise<string> {
    const leg = this.inner ?? (await this.open(this.profile === 'rtp' ? 'rtp' : 'webrtc'));
    return leg.createOffer(options);
  }

  applyAnswer(sdp: string): Awaitable<boolean> {
    return this.inner ? this.inner.applyAnswer(sdp) : false;
  }

  async createAnswer(offerSdp: string, options: MediaOfferOptions): Promise<string | undefined> {
    const leg = this.inner ?? (await this.open(isWebRtcSdp(offerSdp) ? 'webrtc' : 'rtp'));
    return leg.createAnswer(offerSdp, options);
  }

  /** 'auto' only, once, after an offer: the next offer goes out in the other profile. */
  async switchProfile(): Promise<boolean> {
    if (this.profile !== 'auto' || this.switched || this.closed || !this.inner) return false;
    this.switched = true;
    const other = this.innerKind === 'webrtc' ? 'rtp' : 'webrtc';
    const old = this.inner;
    this.inner = null;
    old.onFrame = null;
    old.onDtmf = null;
    old.close();
    await this.open(other);
    return true;
  }

  sendFrame(codec: AudioCodec, payload: Uint8Array): void {
    this.inner?.sendFrame(codec, payload);
  }

  sendDtmf(digit: string): boolean {
    return this.inner?.sendDtmf(digit) ?? false;
  }

  close(): void {
    this.closed = true;
    this.inner?.close();
    this.frameHandler = null;
    this.dtmfHandler = null;
  }

  private async open(kind: 'rtp' | 'webrtc'): Promise<MediaLeg> {
    const leg = await this.factories[kind]();
    if (this.closed) {
      // the call ended while the socket was being bound
      leg.close();
      throw new Error('media leg closed');
    }
    if (this.inner) {
      leg.close(); // two concurrent first offers/answers: keep the first
      return this.inner;
    }
    this.inner = leg;
    this.innerKind = kind;
    leg.onFrame = this.frameHandler;
    leg.onDtmf = this.dtmfHandler;
    return leg;
  }
}
