/**
 * The plain RTP/AVP media leg: one UDP socket per call on the gateway's media address. RTMP audio
 * messages map one-to-one onto RTP packets, as siprtmp does (notes §5): each outgoing frame advances the
 * RTP timestamp by 160 whatever its length; incoming packets from a new SSRC restart the clock.
 *
 * DTMF (RFC 4733 §2.5.1) is paced in real time: one event timestamp per digit, a first packet with the
 * marker bit, an update every 20 ms with the duration so far, then the end packet (E bit, final
 * duration) three times. Audio frames that arrive during the event are not sent (they still use up
 * their 20 ms of the RTP clock), and the audio resumes at or after the event's end, so the far end never
 * sees audio and event covering the same timestamps, nor a backwards jump. Digits sent back to back are
 * queued, with an inter-digit pause in between (in RTP time too).
 */
import { createSocket, Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIPv4 } from 'node:net';
import { decodeG711, encodeG711 } from '../protocol/audio/g711';
import type { MediaFrame, MediaLeg, MediaOfferOptions } from './media-leg';
import { decodeRtp, decodeTelephoneEvent, dtmfDigit, dtmfEventCode, encodeTelephoneEvent, writeRtp } from './rtp-packet';
import { AudioCodec, PAYLOAD_TYPES, RemoteMedia, answerDirection, buildSdp, isRemoteHold, parseSdp } from './sdp';
import { randomInt } from 'node:crypto';

const SAMPLES_PER_FRAME = 160;
/** Largest RTP payload taken from the network (60 ms of G.711 plus room); larger packets are dropped. */
const MAX_RTP_PAYLOAD = 1024;
/** RFC 4733 update interval: one packet per 20 ms frame. */
const DTMF_INTERVAL_MS = 20;
/** Digits waiting behind the one being played; more are refused (bounds what one client can queue). */
const MAX_QUEUED_DIGITS = 32;

/** The timers DTMF pacing uses: real ones by default, a fake in tests. */
export interface LegTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_TIMERS: LegTimers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface DtmfTiming {
  /** Tone length (default 100 ms); rounded up to whole 20 ms packets. */
  readonly durationMs?: number;
  /** Pause between two digits (default 60 ms), in real time and in RTP time; rounded up to 20 ms. */
  readonly gapMs?: number;
}

export interface RtpLegOptions {
  /** Address to bind and to advertise in SDP (default 127.0.0.1). */
  readonly address?: string;
  /** Rewrites SDP addresses we send to (tests, NAT); default none. */
  readonly advertisedAddress?: string;
  readonly dtmf?: DtmfTiming;
  readonly timers?: LegTimers;
}

interface DtmfEvent {
  readonly event: number;
  readonly payloadType: number;
  /** RTP timestamp of the event: the same in every packet of it. */
  readonly timestamp: number;
  /** Real time of the first packet: each step is due at `startedAt + step × 20 ms` (no drift). */
  readonly startedAt: number;
  /** Packets sent so far (updates; the end packets are the last step). */
  step: number;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * dgram resolves the destination of every send, and dns.lookup answers even an IPv4 literal on the next
 * tick: one queued callback per 20 ms frame of every call. An address already numeric (SDP's always is)
 * is answered at once.
 */
function numericFirstLookup(host: string, options: LookupOneOptions | number, callback: LookupCallback): void {
  if (host === lastNumericHost || isIPv4(host)) {
    lastNumericHost = host; // most sends go to the address of the one before: no regular expression
    callback(null, host, 4);
  } else dnsLookup(host, options as LookupOneOptions, callback);
}
let lastNumericHost = '';

export async function createRtpLeg(options: RtpLegOptions = {}): Promise<RtpLeg> {
  const address = options.address ?? '127.0.0.1';
  const socket = createSocket({ type: 'udp4', lookup: numericFirstLookup as never });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return new RtpLeg(socket, options.advertisedAddress ?? address, options);
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
  private readonly timers: LegTimers;
  /** Samples of one tone (a multiple of 160) and of the pause between two digits. */
  private readonly dtmfSamples: number;
  private readonly gapSamples: number;
  private readonly gapMs: number;
  private readonly digits: number[] = [];
  private dtmf: DtmfEvent | null = null;
  /** RTP time before which no new event may start (end of the last event plus the pause). */
  private nextEventTs: number | null = null;
  /** Real time before which no new event may start. */
  private nextEventAt = -Infinity;
  private dtmfTimer: unknown = null;
  /**
   * Every packet is written into this one buffer (header + the largest payload taken), sent from a view
   * of the packet's length (kept while the length does not change). dgram has passed a packet to the
   * kernel by the time send() returns when the address needs no lookup and nothing waits in the socket's
   * queue; otherwise the queued send keeps the buffer and the next packet gets a new one.
   */
  private packet = new Uint8Array(12 + MAX_RTP_PAYLOAD);
  private packetView: Uint8Array | null = null;
  /** the remote whose address was checked, and whether it is numeric (sends without lookup) */
  private checkedRemote: RemoteMedia | null = null;
  private remoteNumeric = false;

  constructor(
    private readonly socket: Socket,
    private readonly advertised: string,
    options: Pick<RtpLegOptions, 'dtmf' | 'timers'> = {},
  ) {
    this.timers = options.timers ?? REAL_TIMERS;
    const durationMs = Math.max(DTMF_INTERVAL_MS, Math.min(options.dtmf?.durationMs ?? 100, 5000));
    this.dtmfSamples = Math.ceil(durationMs / DTMF_INTERVAL_MS) * SAMPLES_PER_FRAME;
    this.gapMs = Math.ceil(Math.max(0, Math.min(options.dtmf?.gapMs ?? 60, 1000)) / DTMF_INTERVAL_MS) * DTMF_INTERVAL_MS;
    this.gapSamples = this.gapMs * 8;
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
    const timestamp = this.timestamp;
    this.timestamp = (this.timestamp + SAMPLES_PER_FRAME) >>> 0;
    // During a digit the frame's 20 ms belong to the event: not sent, but the clock keeps time.
    if (this.dtmf) return;
    const data = codec === this.negotiated ? payload : transcode(codec, this.negotiated, payload);
    this.send(PAYLOAD_TYPES[this.negotiated], false, timestamp, data);
  }

  /** Queues an RFC 4733 digit; true when it will be sent (telephone-event negotiated, valid digit, queue not full). */
  sendDtmf(digit: string): boolean {
    const remote = this.remote;
    const event = dtmfEventCode(digit);
    if (this.closed || !remote || remote.dtmfPayloadType === null || event < 0) return false;
    if (this.digits.length >= MAX_QUEUED_DIGITS) return false;
    this.digits.push(event);
    if (!this.dtmf && this.dtmfTimer === null) {
      const wait = this.nextEventAt - this.timers.now();
      if (wait > 0) this.dtmfTimer = this.timers.setTimeout(() => this.startEvent(), wait);
      else this.startEvent();
    }
    return true;
  }

  /** Whether a digit is being played or waits its turn. */
  get dtmfBusy(): boolean {
    return this.dtmf !== null || this.digits.length > 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onFrame = null;
    this.onDtmf = null;
    if (this.dtmfTimer !== null) this.timers.clearTimeout(this.dtmfTimer);
    this.dtmfTimer = null;
    this.dtmf = null;
    this.digits.length = 0;
    this.socket.close();
  }

  private startEvent(): void {
    this.dtmfTimer = null;
    const event = this.digits.shift();
    const pt = this.remote?.dtmfPayloadType;
    if (this.closed || event === undefined || pt === null || pt === undefined) {
      this.digits.length = 0;
      return;
    }
    // The event starts where the audio is now, but never inside the previous event or its pause.
    let timestamp = this.timestamp;
    if (this.nextEventTs !== null && after(this.nextEventTs, timestamp)) timestamp = this.nextEventTs;
    this.timestamp = timestamp;
    this.dtmf = { event, payloadType: pt, timestamp, startedAt: this.timers.now(), step: 0 };
    this.dtmfStep();
  }

  /** One 20 ms step of the current event: an update, or (last step) the end packet three times. */
  private dtmfStep(): void {
    this.dtmfTimer = null;
    const e = this.dtmf;
    if (this.closed || !e) return;
    const steps = this.dtmfSamples / SAMPLES_PER_FRAME;
    e.step++;
    const duration = e.step * SAMPLES_PER_FRAME;
    if (e.step < steps) {
      this.send(e.payloadType, e.step === 1, e.timestamp, encodeTelephoneEvent(e.event, false, 10, duration));
      this.dtmfTimer = this.timers.setTimeout(() => this.dtmfStep(), this.untilStep(e, e.step));
      return;
    }
    // §2.5.1.4: the final packet carries the E bit and the whole duration, and goes three times (the
    // marker too when the tone is a single packet long).
    for (let i = 0; i < 3; i++) this.send(e.payloadType, steps === 1 && i === 0, e.timestamp, encodeTelephoneEvent(e.event, true, 10, this.dtmfSamples));
    // The end packet covers the last 20 ms: the event is over one interval later.
    this.dtmfTimer = this.timers.setTimeout(() => this.endEvent(), this.untilStep(e, steps));
  }

  /** Milliseconds until step `n` of `e` is due. */
  private untilStep(e: DtmfEvent, n: number): number {
    return Math.max(0, e.startedAt + n * DTMF_INTERVAL_MS - this.timers.now());
  }

  private endEvent(): void {
    this.dtmfTimer = null;
    const e = this.dtmf;
    if (this.closed || !e) return;
    this.dtmf = null;
    const end = (e.timestamp + this.dtmfSamples) >>> 0;
    // Audio resumes after the event even if the client sent fewer frames than the tone lasted.
    if (after(end, this.timestamp)) this.timestamp = end;
    this.nextEventTs = (end + this.gapSamples) >>> 0;
    this.nextEventAt = this.timers.now() + this.gapMs;
    if (this.digits.length > 0) this.dtmfTimer = this.timers.setTimeout(() => this.startEvent(), this.gapMs);
  }

  private sdp(codecs: readonly AudioCodec[], dtmf: boolean, direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive'): string {
    return buildSdp({ address: this.advertised, port: this.port, codecs, dtmf, direction, sessionId: this.sessionId, version: this.version++ });
  }

  private send(payloadType: number, marker: boolean, timestamp: number, payload: Uint8Array): void {
    const remote = this.remote;
    if (!remote || remote.port === 0 || remote.address === '0.0.0.0') return;
    const length = writeRtp(this.packet, payloadType, marker, this.sequence, timestamp, this.ssrc, payload);
    this.sequence = (this.sequence + 1) & 0xffff;
    if (this.packetView?.length !== length) this.packetView = this.packet.subarray(0, length);
    this.socket.send(this.packetView, remote.port, remote.address);
    if (remote !== this.checkedRemote) {
      this.checkedRemote = remote;
      this.remoteNumeric = isIPv4(remote.address);
    }
    if (!this.remoteNumeric || this.socket.getSendQueueCount() > 0) {
      this.packet = new Uint8Array(this.packet.length);
      this.packetView = null;
    }
  }

  private receive(bytes: Buffer): void {
    const remote = this.remote;
    if (this.closed || !remote) return;
    const packet = decodeRtp(bytes); // a Buffer is a Uint8Array: no view to make
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
    // dgram hands over a fresh buffer per message: the payload view needs no copy (the session copies it once, behind the audio tag byte)
    this.onFrame?.({ codec, payload: packet.payload, timeMs, restart });
  }

  private receiveDtmf(timestamp: number, payload: Uint8Array): void {
    const event = decodeTelephoneEvent(payload);
    if (!event?.end || timestamp === this.lastDtmfTs) return; // the end packet comes three times
    this.lastDtmfTs = timestamp;
    const digit = dtmfDigit(event.event);
    if (digit) this.onDtmf?.(digit);
  }
}

/** RFC 3550 serial-number order of two 32-bit timestamps: whether `a` is later than `b`. */
function after(a: number, b: number): boolean {
  const d = (a - b) >>> 0;
  return d !== 0 && d < 0x80000000;
}

function transcode(from: AudioCodec, to: AudioCodec, payload: Uint8Array): Uint8Array {
  return encodeG711(to, decodeG711(from, payload));
}
