/**
 * The WebRTC-profile media leg: ICE + DTLS-SRTP (`UDP/TLS/RTP/SAVPF`, rtcp-mux, BUNDLE) with werift, for
 * calls whose far end is a browser and no media relay (rtpengine) sits in between — the embedded dev
 * stack. Like the RTP leg it only moves SDP and 20 ms G.711 frames: each frame from the RTMP side becomes
 * one RTP packet written into a werift track; each received RTP payload becomes one frame.
 *
 * Only PCMU (pt 0) and telephone-event (pt 101) are negotiated: werift does no transcoding, browsers all
 * speak PCMU, and a PCMA frame from the client is transcoded here. Sending DTMF is not offered: werift's
 * sender rewrites every packet's payload type to the negotiated codec, so RFC 4733 packets cannot go out
 * through it (received digits are decoded).
 */
import type * as Werift from 'werift';
import { decodeG711, encodeG711 } from '../protocol/audio/g711';
import type { MediaFrame, MediaLeg, MediaOfferOptions } from './media-leg';
import { decodeTelephoneEvent, dtmfDigit } from './rtp-packet';
import { AudioCodec, Direction, answerDirection, isRemoteHold } from './sdp';
import { audioDirection, isWebRtcSdp, offersPcmu, telephoneEventPt } from './webrtc-sdp';

const SAMPLES_PER_FRAME = 160;
const MAX_RTP_PAYLOAD = 1024;
/** ICE host candidates on one interface come in milliseconds; the cap only bounds a broken host. */
const GATHERING_TIMEOUT_MS = 3000;

export interface WebRtcLegOptions {
  /** Address ICE candidates are gathered on (default 127.0.0.1: loopback only, as the dev stack binds). */
  readonly address?: string;
}

type WeriftModule = typeof Werift;
let werift: Promise<WeriftModule> | null = null;

/** werift is loaded on the first WebRTC call only, so a gateway on plain RTP does not need it installed. */
function loadWerift(): Promise<WeriftModule> {
  werift ??= import('werift');
  return werift;
}

export async function createWebRtcLeg(options: WebRtcLegOptions = {}): Promise<WebRtcLeg> {
  return new WebRtcLeg(await loadWerift(), options.address ?? '127.0.0.1');
}

export class WebRtcLeg implements MediaLeg {
  onFrame: ((frame: MediaFrame) => void) | null = null;
  onDtmf: ((digit: string) => void) | null = null;
  private readonly w: WeriftModule;
  private readonly pc: Werift.RTCPeerConnection;
  private readonly track: Werift.MediaStreamTrack;
  private readonly transceiver: Werift.RTCRtpTransceiver;
  private negotiated: AudioCodec | null = null;
  private remoteDirection: Direction = 'sendrecv';
  private remoteDtmfPt: number | null = null;
  private lastAnswer: { sdp: string; ok: Promise<boolean> } | null = null;
  private sequence = Math.floor(Math.random() * 0xffff);
  private timestamp = Math.floor(Math.random() * 0xffffffff) >>> 0;
  private inSsrc: number | null = null;
  private inFirstTs = 0;
  private lastDtmfTs: number | null = null;
  private closed = false;

  constructor(w: WeriftModule, address: string) {
    this.w = w;
    const loopback = address === '127.0.0.1';
    const config: Partial<Werift.PeerConfig> = {
      codecs: {
        audio: [
          new w.RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 }),
          new w.RTCRtpCodecParameters({ mimeType: 'audio/telephone-event', clockRate: 8000, channels: 1, payloadType: 101 }),
        ],
        video: [],
      },
      iceUseIpv6: false,
      // werift skips loopback interfaces unless told; the dev stack and the test namespace have only 127.0.0.1
      iceAdditionalHostAddresses: loopback ? ['127.0.0.1'] : undefined,
      iceInterfaceAddresses: address === '0.0.0.0' ? undefined : { udp4: address },
      bundlePolicy: 'max-bundle',
    };
    this.pc = new w.RTCPeerConnection(config);
    this.track = new w.MediaStreamTrack({ kind: 'audio' });
    // Added before any description: werift matches it to the remote offer's audio m-line (mid still null).
    this.transceiver = this.pc.addTransceiver(this.track, { direction: 'sendrecv' });
    this.pc.onTrack.subscribe((remote) => {
      remote.onReceiveRtp.subscribe((rtp) => this.receive(rtp));
    });
  }

  get codec(): AudioCodec | null {
    return this.negotiated;
  }

  get remoteHold(): boolean {
    return isRemoteHold(this.remoteDirection);
  }

  async createOffer(options: MediaOfferOptions): Promise<string> {
    if (!options.codecs.includes('pcmu')) options = { ...options, codecs: ['pcmu'] }; // PCMA frames are transcoded
    this.transceiver.setDirection(options.hold ? 'sendonly' : 'sendrecv');
    await this.pc.setLocalDescription(await this.pc.createOffer());
    this.lastAnswer = null;
    return this.localSdp();
  }

  applyAnswer(sdp: string): Promise<boolean> {
    // A 183 and the 200 may carry the same answer: werift must see it once.
    if (this.lastAnswer?.sdp === sdp) return this.lastAnswer.ok;
    const ok = this.setRemote('answer', sdp);
    this.lastAnswer = { sdp, ok };
    return ok;
  }

  async createAnswer(offerSdp: string, options: MediaOfferOptions): Promise<string | undefined> {
    if (!(await this.setRemote('offer', offerSdp))) return undefined;
    const direction = answerDirection(this.remoteDirection, options.hold);
    this.transceiver.setDirection(direction);
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    return this.localSdp();
  }

  sendFrame(codec: AudioCodec, payload: Uint8Array): void {
    if (this.closed || !this.negotiated || payload.length === 0 || payload.length > MAX_RTP_PAYLOAD) return;
    const data = codec === 'pcmu' ? payload : encodeG711('pcmu', decodeG711(codec, payload));
    // The sender rewrites SSRC and payload type and offsets sequence/timestamp; ours only need to be consecutive.
    const header = new this.w.RtpHeader({ payloadType: 0, sequenceNumber: this.sequence, timestamp: this.timestamp, marker: false });
    this.sequence = (this.sequence + 1) & 0xffff;
    this.timestamp = (this.timestamp + SAMPLES_PER_FRAME) >>> 0;
    this.track.writeRtp(new this.w.RtpPacket(header, Buffer.from(data.buffer, data.byteOffset, data.byteLength)));
  }

  sendDtmf(): boolean {
    return false; // see the file comment: werift cannot send RFC 4733 packets through a PCMU sender
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onFrame = null;
    this.onDtmf = null;
    this.track.stop();
    void this.pc.close().catch(() => undefined);
  }

  /** Applies a remote description; false when it is not WebRTC-profile PCMU or werift refuses it. */
  private async setRemote(type: 'offer' | 'answer', sdp: string): Promise<boolean> {
    if (this.closed || !isWebRtcSdp(sdp) || !offersPcmu(sdp)) return false;
    try {
      await this.pc.setRemoteDescription({ type, sdp });
    } catch {
      return false;
    }
    this.negotiated = 'pcmu';
    this.remoteDirection = audioDirection(sdp);
    this.remoteDtmfPt = telephoneEventPt(sdp);
    return true;
  }

  /** Our description once ICE gathering is complete, so the SDP carries every candidate (no trickle in SIP). */
  private async localSdp(): Promise<string> {
    const end = Date.now() + GATHERING_TIMEOUT_MS;
    while (this.pc.iceGatheringState !== 'complete' && Date.now() < end && !this.closed) await new Promise((r) => setTimeout(r, 10));
    const sdp = this.pc.localDescription?.sdp;
    if (!sdp) throw new Error('werift produced no local description');
    return sdp;
  }

  private receive(rtp: Werift.RtpPacket): void {
    if (this.closed) return;
    const { header, payload } = rtp;
    if (payload.length === 0 || payload.length > MAX_RTP_PAYLOAD) return;
    if (header.payloadType === this.remoteDtmfPt) {
      const event = decodeTelephoneEvent(payload);
      if (!event?.end || header.timestamp === this.lastDtmfTs) return; // the end packet comes three times
      this.lastDtmfTs = header.timestamp;
      const digit = dtmfDigit(event.event);
      if (digit) this.onDtmf?.(digit);
      return;
    }
    if (header.payloadType !== 0) return;
    const restart = header.ssrc !== this.inSsrc;
    if (restart) {
      this.inSsrc = header.ssrc;
      this.inFirstTs = header.timestamp;
    }
    const timeMs = Math.floor(((header.timestamp - this.inFirstTs) >>> 0) / 8);
    this.onFrame?.({ codec: 'pcmu', payload: new Uint8Array(payload), timeMs, restart });
  }
}
