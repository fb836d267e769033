/**
 * A far-end SIP phone for the e2e tests, in Node: registers in Kamailio over UDP with digest auth (the
 * gateway's own SIP transaction layer, REGISTER client and dialog state are reused: they are plain
 * RFC 3261 pieces), answers INVITEs with PCMU (+ telephone-event, or without it), sends a tone, and
 * records what it receives: its own RTP parsing and μ-law decoding (independent of the gateway's
 * media code), the RFC 4733 events decoded to digits, SIP INFO bodies, CANCEL/BYE. Stopped by `stop()`.
 */
import { createSocket, type Socket } from 'node:dgram';
import { Registration } from '../../../gateway/registration';
import { Dialog } from '../../../gateway/dialog';
import { SipUa, type HostPort } from '../../../gateway/sip-ua';
import { DEFAULT_TIMERS } from '../../../protocol/sip/transaction/timers';
import { token } from '../../../protocol/sip/builder';
import type { SipRequest } from '../../../protocol/sip/message';
import { REALM } from './lab';
import { NODE_TONES, ToneMeter, expectNodeTone, type NodeHeard } from './tone-meter';

/** far ends take the next of NODE_TONES, so two in one test send different tones */
let farEndsMade = 0;

/** What the far end does with the next INVITE. */
export type FarEndMode =
  | { answer: true; dtmfPt: number | null }
  | { answer: false; status?: number }; // status: reject with it at once; none: ring until CANCEL

export interface DtmfEvent {
  digit: string;
  /** RTP timestamp shared by the event's packets (RFC 4733 §2.5.1) */
  timestamp: number;
  packets: number;
  /** an end packet (E bit) was seen */
  ended: boolean;
  at: number;
}

export interface ReceivedRequest {
  method: string;
  cseq: number;
  contentType: string;
  body: string;
  at: number;
}

const DIGITS = '0123456789*#ABCD';

/** ITU-T G.711 μ-law → 16-bit linear */
function ulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

/** 16-bit linear → μ-law (for the tone the far end sends) */
function linearToUlaw(sample: number): number {
  const BIAS = 0x84;
  let s = Math.max(-32635, Math.min(32635, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

interface Rtp { pt: number; marker: boolean; seq: number; ts: number; ssrc: number; payload: Buffer }

function parseRtp(b: Buffer): Rtp | null {
  if (b.length < 12 || b[0] >> 6 !== 2) return null;
  const pt = b[1] & 0x7f;
  if (pt >= 72 && pt <= 76) return null; // RTCP
  let off = 12 + (b[0] & 0x0f) * 4;
  if (b[0] & 0x10) {
    if (b.length < off + 4) return null;
    off += 4 + b.readUInt16BE(off + 2) * 4;
  }
  let end = b.length;
  if (b[0] & 0x20) end -= b[b.length - 1];
  if (end < off) return null;
  return { pt, marker: (b[1] & 0x80) !== 0, seq: b.readUInt16BE(2), ts: b.readUInt32BE(4), ssrc: b.readUInt32BE(8), payload: b.subarray(off, end) };
}

export class SipFarEnd {
  mode: FarEndMode = { answer: true, dtmfPt: 101 };
  readonly aor: string;
  /** every request received, in arrival order */
  readonly requests: ReceivedRequest[] = [];
  readonly dtmf: DtmfEvent[] = [];
  /** PCMU packets received and their decoded energy (Σ (s/32768)² / 8000, like WebRTC's totalAudioEnergy) */
  audio = { packets: 0, energy: 0, otherPayloadTypes: 0 };
  /** per audio packet: arrival time and RMS (0…1) */
  readonly levels: { at: number; rms: number }[] = [];
  /** the INVITE offers received (SDP) */
  readonly offers: string[] = [];
  state: 'idle' | 'ringing' | 'confirmed' | 'ended' = 'idle';
  /** the frequency this far end sends (changeable, also during a call) */
  toneHz: number = NODE_TONES[farEndsMade++ % NODE_TONES.length];
  /** the last half second of decoded audio received, for `expectTone` */
  readonly meter = new ToneMeter();
  /** the status a REFER gets (default 200: taken, nothing follows; e.g. 603 to refuse a transfer) */
  referStatus = 200;
  private dialog: Dialog | null = null;
  private invite: SipRequest | null = null;
  private localTag = '';
  private media: Socket | null = null;
  private toneTimer: NodeJS.Timeout | undefined;
  private remoteMedia: HostPort | null = null;
  private dtmfPt: number | null = null;

  private constructor(
    readonly user: string,
    private readonly ua: SipUa,
    private readonly registration: Registration,
    private readonly server: HostPort,
  ) {
    this.aor = `sip:${user}@${REALM}`;
    ua.onRequest = (request) => this.onRequest(request);
  }

  /** Registers `user` (password `secret<user>`) with the SIP server; throws when the REGISTER fails. */
  static async register(user: string, server: HostPort = { host: '127.0.0.1', port: 5060 }): Promise<SipFarEnd> {
    const ua = await SipUa.create({ agent: 'kazoo-e2e-far-end', bindAddress: '127.0.0.1', timers: DEFAULT_TIMERS, maxMessageBytes: 65_535, maxTransactions: 200 });
    const contact = `sip:${user}@127.0.0.1:${ua.address.port}`;
    const registration = new Registration(ua, {
      aor: `sip:${user}@${REALM}`, realm: REALM, displayName: `far ${user}`, contact, server,
      secret: { username: user, password: `secret${user}` }, expiresSec: 120,
    });
    const far = new SipFarEnd(user, ua, registration, server);
    const outcome = await registration.register();
    if (!outcome.ok) {
      ua.close();
      throw new Error(`far end ${user}: REGISTER failed: ${outcome.status}`);
    }
    return far;
  }

  get contact(): string {
    return `sip:${this.user}@127.0.0.1:${this.ua.address.port}`;
  }

  /** requests of one method, in arrival order */
  received(method: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.method === method);
  }

  /** decoded digits of the RFC 4733 events, in the order their first packets arrived */
  digits(): string {
    return this.dtmf.map((e) => e.digit).join('');
  }

  /** mean RMS (0…1) of the audio packets received in the last `ms` milliseconds; null if none */
  levelOver(ms: number): { packets: number; rms: number } {
    const since = Date.now() - ms;
    const recent = this.levels.filter((l) => l.at >= since);
    return { packets: recent.length, rms: recent.length ? recent.reduce((s, l) => s + l.rms, 0) / recent.length : 0 };
  }

  /** resets the per-call records (not the registration) */
  resetCall(): void {
    this.requests.length = 0;
    this.dtmf.length = 0;
    this.levels.length = 0;
    this.offers.length = 0;
    this.audio = { packets: 0, energy: 0, otherPayloadTypes: 0 };
    this.meter.reset();
    this.state = 'idle';
  }

  /** waits until the audio received has `hz` as its dominant frequency (see tone-meter.ts); fails with what it heard */
  expectTone(hz: number, o: { timeout?: number; absent?: number[] } = {}): Promise<NodeHeard> {
    return expectNodeTone(`far end ${this.user}`, this.meter, hz, o);
  }

  /** BYE on the confirmed call (through the dialog's route set, i.e. Kamailio); resolves with its status */
  async hangup(): Promise<number> {
    const dialog = this.dialog;
    if (this.state !== 'confirmed' || !dialog) throw new Error('far end: no call to hang up');
    this.endMedia();
    this.state = 'ended';
    const bye = dialog.request('BYE', this.ua, this.contact);
    const response = await this.ua.request(bye, dialog.nextHop(this.server));
    return response.status;
  }

  /** answers a ringing INVITE with a final error status (e.g. 486) */
  reject(status: number): void {
    const invite = this.invite;
    if (this.state !== 'ringing' || !invite) return;
    this.ua.reply(invite, status, { toTag: this.localTag });
    this.state = 'ended';
  }

  async stop(): Promise<void> {
    this.endMedia();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.registration.unregister(), new Promise((r) => { timer = setTimeout(r, 3000); })]);
    clearTimeout(timer);
    this.ua.close();
  }

  // ---- SIP ----

  private onRequest(request: SipRequest): void {
    this.requests.push({
      method: request.method,
      cseq: request.core.cseq,
      contentType: request.get('content-type') ?? '',
      body: request.body.toString('utf8'),
      at: Date.now(),
    });
    const ua = this.ua;
    if (request.method === 'ACK') return;
    if (request.method === 'INVITE' && !request.core.toTag) {
      void this.onInvite(request);
      return;
    }
    if (request.method === 'CANCEL') {
      ua.reply(request, 200);
      const invite = this.invite;
      if (invite && this.state === 'ringing' && invite.core.callId === request.core.callId) {
        ua.reply(invite, 487, { toTag: this.localTag });
        this.state = 'ended';
      }
      return;
    }
    if (request.method === 'BYE') {
      ua.reply(request, 200);
      if (this.dialog?.matches(request)) {
        this.endMedia();
        this.state = 'ended';
      }
      return;
    }
    if (request.method === 'INVITE') {
      // re-INVITE: answer with the same media
      ua.reply(request, 200, { headers: [['Contact', `<${this.contact}>`], ['Content-Type', 'application/sdp']], body: this.answerSdp() });
      return;
    }
    if (request.method === 'REFER') {
      ua.reply(request, this.referStatus);
      return;
    }
    ua.reply(request, 200); // INFO, NOTIFY, OPTIONS…
  }

  private async onInvite(invite: SipRequest): Promise<void> {
    const ua = this.ua;
    if (this.state === 'ringing' || this.state === 'confirmed') {
      ua.reply(invite, 486);
      return;
    }
    this.invite = invite;
    this.localTag = token(6);
    this.offers.push(invite.body.toString('utf8'));
    const rr = invite.getAll('record-route').map((r) => ['Record-Route', r] as [string, string]);
    const contact: [string, string] = ['Contact', `<${this.contact}>`];
    const mode = this.mode;
    if (!mode.answer && mode.status) {
      ua.reply(invite, mode.status, { toTag: this.localTag });
      this.state = 'ended';
      return;
    }
    this.state = 'ringing';
    ua.reply(invite, 180, { toTag: this.localTag, headers: [contact, ...rr] });
    if (!mode.answer) return; // rings until CANCEL
    await new Promise((r) => setTimeout(r, 100));
    if (this.state !== 'ringing') return;
    const offer = invite.body.toString('utf8');
    const c = /^c=IN IP4 (\S+)/m.exec(offer)?.[1];
    const port = Number(/^m=audio (\d+)/m.exec(offer)?.[1]);
    if (!c || !port) {
      ua.reply(invite, 488, { toTag: this.localTag });
      this.state = 'ended';
      return;
    }
    this.remoteMedia = { host: c, port };
    // an answer uses the offer's payload type for telephone-event/8000 when it has one (RFC 3264 §6.1)
    const offeredPt = Number(/^a=rtpmap:(\d+) telephone-event\/8000/m.exec(offer)?.[1] ?? NaN);
    this.dtmfPt = mode.dtmfPt === null ? null : Number.isNaN(offeredPt) ? mode.dtmfPt : offeredPt;
    await this.openMedia();
    this.dialog = Dialog.fromRequest(invite, this.localTag);
    ua.reply(invite, 200, {
      toTag: this.localTag, headers: [contact, ...rr, ['Content-Type', 'application/sdp']], body: this.answerSdp(),
    });
    this.state = 'confirmed';
    this.startTone();
  }

  private answerSdp(): string {
    const port = this.media ? (this.media.address() as { port: number }).port : 9;
    const pt = this.dtmfPt;
    return [
      'v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=far-end', 'c=IN IP4 127.0.0.1', 't=0 0',
      `m=audio ${port} RTP/AVP 0${pt === null ? '' : ` ${pt}`}`,
      'a=rtpmap:0 PCMU/8000',
      ...(pt === null ? [] : [`a=rtpmap:${pt} telephone-event/8000`, `a=fmtp:${pt} 0-15`]),
      'a=ptime:20', 'a=sendrecv', '',
    ].join('\r\n');
  }

  // ---- media ----

  private async openMedia(): Promise<void> {
    this.endMedia();
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    socket.on('error', () => undefined);
    socket.on('message', (bytes) => this.onRtp(bytes));
    this.media = socket;
  }

  private onRtp(bytes: Buffer): void {
    const p = parseRtp(bytes);
    if (!p) return;
    if (p.pt === 0) {
      let sum = 0;
      const decoded = Array.from(p.payload, ulawToLinear);
      for (const v of decoded) sum += (v / 32768) ** 2;
      this.meter.push(decoded);
      this.audio.packets++;
      this.audio.energy += sum / 8000;
      this.levels.push({ at: Date.now(), rms: p.payload.length ? Math.sqrt(sum / p.payload.length) : 0 });
      return;
    }
    if (this.dtmfPt === null || p.pt !== this.dtmfPt || p.payload.length < 4) {
      this.audio.otherPayloadTypes++;
      return;
    }
    // RFC 4733 §2.3: event, E|R|volume, duration; one event = the packets sharing its start timestamp
    const code = p.payload[0];
    const end = (p.payload[1] & 0x80) !== 0;
    let event = this.dtmf.find((e) => e.timestamp === p.ts);
    if (!event) {
      event = { digit: DIGITS[code] ?? `?${code}`, timestamp: p.ts, packets: 0, ended: false, at: Date.now() };
      this.dtmf.push(event);
    }
    event.packets++;
    event.ended ||= end;
  }

  /** `toneHz` at about -12 dBFS, 20 ms PCMU frames, to the address of the offer */
  private startTone(): void {
    const socket = this.media;
    const dest = this.remoteMedia;
    if (!socket || !dest) return;
    const ssrc = Math.floor(Math.random() * 0xffffffff) >>> 0;
    let seq = Math.floor(Math.random() * 0xffff);
    let ts = Math.floor(Math.random() * 0xffffffff) >>> 0;
    let phase = 0;
    const frame = (): Buffer => {
      const b = Buffer.alloc(12 + 160);
      b[0] = 0x80;
      b[1] = 0;
      b.writeUInt16BE(seq, 2);
      b.writeUInt32BE(ts, 4);
      b.writeUInt32BE(ssrc, 8);
      for (let i = 0; i < 160; i++) {
        b[12 + i] = linearToUlaw(8000 * Math.sin(phase));
        phase += (2 * Math.PI * this.toneHz) / 8000;
      }
      seq = (seq + 1) & 0xffff;
      ts = (ts + 160) >>> 0;
      return b;
    };
    this.toneTimer = setInterval(() => socket.send(frame(), dest.port, dest.host), 20);
  }

  private endMedia(): void {
    clearInterval(this.toneTimer);
    this.toneTimer = undefined;
    this.media?.close();
    this.media = null;
  }
}
