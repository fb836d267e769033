/**
 * The plain RTP/AVP media leg: one UDP socket per call on the gateway's media address. RTMP audio
 * messages map one-to-one onto RTP packets, as siprtmp does (notes §5): each outgoing frame advances the
 * RTP timestamp by 160 whatever its length; incoming packets from a new SSRC restart the clock.
 */
import { createSocket, Socket } from 'node:dgram';
import { decodeG711, encodeG711 } from '../media/g711';
import type { MediaFrame, MediaLeg, MediaOfferOptions } from './media-leg';
import { decodeRtp, decodeTelephoneEvent, dtmfDigit, dtmfEventCode, encodeRtp, encodeTelephoneEvent } from './rtp-packet';
import { AudioCodec, PAYLOAD_TYPES, RemoteMedia, answerDirection, buildSdp, isRemoteHold, parseSdp } from './sdp';
import { randomInt } from 'node:crypto';

const SAMPLES_PER_FRAME = 160;
/** Largest RTP payload taken from the network (60 ms of G.711 plus room); larger packets are dropped. */
const MAX_RTP_PAYLOAD = 1024;
const DTMF_DURATION = 800; // 100 ms at 8 kHz

export interface RtpLegOptions {
  /** Address to bind and to advertise in SDP (default 127.0.0.1). */
  readonly address?: string;
  /** Rewrites SDP addresses we send to (tests, NAT); default none. */
  readonly advertisedAddress?: string;
}

export async function createRtpLeg(options: RtpLegOptions = {}): Promise<RtpLeg> {
  const address = options.address ?? '127.0.0.1';
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return new RtpLeg(socket, options.advertisedAddress ?? address);
}

export class RtpLeg implements MediaLeg {
  onFrame: ((frame: MediaFrame) => void) | null = null;
  onDtmf: ((digit: string) => void) | null = null;
  private remote: RemoteMedia | null = null;
  private negotiated: AudioCodec | null = null;
  private readonly ssrc = randomInt(1, 0xffffffff);
  private sequence = randomInt(0, 0xffff);
  private timestamp = randomInt(0, 0xffffffff);
  private readonly sessionId = randomInt(1, 0x7fffffff);
  private version = 0;
  private inSsrc: number | null = null;
  private inFirstTs = 0;
  private lastDtmfTs: number | null = null;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly advertised: string,
  ) {
    socket.on('message', (bytes) => this.receive(bytes));
    socket.on('error', () => undefined); // ICMP port unreachable and the like: media is best effort
  }

  get port(): number {
    return this.socket.address().port;
  }

  get codec(): AudioCodec | null {
    return this.negotiated;
  }

  get remoteHold(): boolean {
    return this.remote !== null && isRemoteHold(this.remote.direction);
  }

  createOffer(options: MediaOfferOptions): string {
    return this.sdp(options.codecs, options.dtmf, options.hold ? 'sendonly' : 'sendrecv');
  }

  applyAnswer(sdp: string): boolean {
    const remote = parseSdp(sdp);
    if (!remote || remote.codecs.length === 0) return false;
    this.remote = remote;
    this.negotiated = remote.codecs[0];
    return true;
  }

  createAnswer(offerSdp: string, options: MediaOfferOptions): string | undefined {
    const remote = parseSdp(offerSdp);
    if (!remote) return undefined;
    const codec = options.codecs.find((c) => remote.codecs.includes(c));
    if (!codec) return undefined;
    this.remote = remote;
    this.negotiated = codec;
    const dtmf = options.dtmf && remote.dtmfPayloadType !== null;
    return this.sdp([codec], dtmf, answerDirection(remote.direction, options.hold));
  }

  sendFrame(codec: AudioCodec, payload: Uint8Array): void {
    const remote = this.remote;
    if (this.closed || !remote || !this.negotiated || payload.length === 0 || payload.length > MAX_RTP_PAYLOAD) return;
    const data = codec === this.negotiated ? payload : transcode(codec, this.negotiated, payload);
    this.send(PAYLOAD_TYPES[this.negotiated], false, this.timestamp, data);
    this.timestamp = (this.timestamp + SAMPLES_PER_FRAME) >>> 0;
  }

  sendDtmf(digit: string): boolean {
    const remote = this.remote;
    const event = dtmfEventCode(digit);
    if (this.closed || !remote || remote.dtmfPayloadType === null || event < 0) return false;
    const pt = remote.dtmfPayloadType;
    const start = this.timestamp;
    // RFC 4733 §2.5: marker on the first packet, all packets carry the event's start timestamp, the end
    // packet three times. Sent in one burst: the far end sees one 100 ms digit.
    this.send(pt, true, start, encodeTelephoneEvent(event, false, 10, SAMPLES_PER_FRAME));
    for (let i = 0; i < 3; i++) this.send(pt, false, start, encodeTelephoneEvent(event, true, 10, DTMF_DURATION));
    this.timestamp = (this.timestamp + DTMF_DURATION) >>> 0;
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onFrame = null;
    this.onDtmf = null;
    this.socket.close();
  }

  private sdp(codecs: readonly AudioCodec[], dtmf: boolean, direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive'): string {
    return buildSdp({ address: this.advertised, port: this.port, codecs, dtmf, direction, sessionId: this.sessionId, version: this.version++ });
  }

  private send(payloadType: number, marker: boolean, timestamp: number, payload: Uint8Array): void {
    const remote = this.remote;
    if (!remote || remote.port === 0 || remote.address === '0.0.0.0') return;
    const packet = encodeRtp({ payloadType, marker, sequence: this.sequence, timestamp, ssrc: this.ssrc, payload });
    this.sequence = (this.sequence + 1) & 0xffff;
    this.socket.send(packet, remote.port, remote.address);
  }

  private receive(bytes: Buffer): void {
    const remote = this.remote;
    if (this.closed || !remote) return;
    const packet = decodeRtp(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    if (!packet || packet.payload.length > MAX_RTP_PAYLOAD) return;
    if (packet.payloadType === remote.dtmfPayloadType) {
      this.receiveDtmf(packet.timestamp, packet.payload);
      return;
    }
    const codec = packet.payloadType === 0 ? 'pcmu' : packet.payloadType === 8 ? 'pcma' : null;
    if (!codec || packet.payload.length === 0) return; // comfort noise, other codecs: dropped
    const restart = packet.ssrc !== this.inSsrc;
    if (restart) {
      this.inSsrc = packet.ssrc;
      this.inFirstTs = packet.timestamp;
    }
    const timeMs = Math.floor(((packet.timestamp - this.inFirstTs) >>> 0) / 8);
    this.onFrame?.({ codec, payload: packet.payload.slice(), timeMs, restart });
  }

  private receiveDtmf(timestamp: number, payload: Uint8Array): void {
    const event = decodeTelephoneEvent(payload);
    if (!event?.end || timestamp === this.lastDtmfTs) return; // the end packet comes three times
    this.lastDtmfTs = timestamp;
    const digit = dtmfDigit(event.event);
    if (digit) this.onDtmf?.(digit);
  }
}

function transcode(from: AudioCodec, to: AudioCodec, payload: Uint8Array): Uint8Array {
  return encodeG711(to, decodeG711(from, payload));
}
