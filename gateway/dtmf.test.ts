/**
 * RFC 4733 DTMF from an RTMP client's `sendDTMF` to the far end, on the wire. The far end is scripted here:
 * a SIP UAS over UDP built with the dev server's parser/builder (answers the gateway's direct-IP INVITE with
 * PCMU + telephone-event) and a raw UDP socket that records every RTP packet the gateway sends.
 * The RTP leg alone is also driven with fake timers (deterministic pacing) against a real UDP receiver.
 */
import { createSocket, Socket } from 'node:dgram';
import { parseSipMessage } from '../protocol/sip/parser';
import { sipMessageBuilder } from '../protocol/sip/builder';
import { SipRequest } from '../protocol/sip/message';
import { decodeRtp, RtpPacket } from './rtp-packet';
import { createRtpLeg, LegTimers, RtpLeg } from './rtp-leg';
import { Phone, Rig, sleep, startRig, until } from '../test/support/gateway/harness';

jest.setTimeout(30_000);

interface FarEnd {
  sipPort: number;
  /** RTP packets received, in arrival order. */
  rtp: RtpPacket[];
  /** performance.now() of each packet in `rtp`. */
  arrivals: number[];
  /** Bodies of the INVITEs received. */
  offers: string[];
  /** `content-type|body` of the INFOs received. */
  infos: string[];
  close(): void;
}

async function bind(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

/** `dtmfPt`: the telephone-event payload type of the answer (e.g. 101); null = answer without DTMF. */
async function startFarEnd(dtmfPt: number | null): Promise<FarEnd> {
  const sip = await bind();
  const media = await bind();
  const rtp: RtpPacket[] = [];
  const arrivals: number[] = [];
  const offers: string[] = [];
  const infos: string[] = [];
  media.on('message', (bytes) => {
    const packet = decodeRtp(new Uint8Array(bytes));
    if (packet) {
      rtp.push({ ...packet, payload: packet.payload.slice() });
      arrivals.push(performance.now());
    }
  });
  const pts = dtmfPt === null ? '0' : `0 ${dtmfPt}`;
  const answer = [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=far',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${media.address().port} RTP/AVP ${pts}`,
    'a=rtpmap:0 PCMU/8000',
    ...(dtmfPt === null ? [] : [`a=rtpmap:${dtmfPt} telephone-event/8000`, `a=fmtp:${dtmfPt} 0-15`]),
    'a=sendrecv',
    '',
  ].join('\r\n');
  const toTag = 'far1';
  const { createResponse } = sipMessageBuilder('dtmf-test-far-end');
  sip.on('message', (bytes, from) => {
    const outcome = parseSipMessage(bytes, { maxMessageBytes: 16 * 1024, maxHeaders: 100 });
    if (outcome.kind !== 'message' || !(outcome.message instanceof SipRequest)) return;
    const request = outcome.message;
    if (request.method === 'ACK') return;
    if (request.method === 'INFO') infos.push(`${request.get('content-type') ?? ''}|${request.body.toString('utf8')}`);
    const contact: [string, string] = ['Contact', `<sip:far@127.0.0.1:${sip.address().port}>`];
    const response =
      request.method === 'INVITE'
        ? (offers.push(request.body.toString('utf8')), createResponse(request, 200, { toTag, headers: [contact, ['Content-Type', 'application/sdp']], body: answer }))
        : createResponse(request, 200, { toTag, headers: [contact] });
    sip.send(response.serialize(), from.port, from.address);
  });
  return {
    sipPort: sip.address().port,
    rtp,
    arrivals,
    offers,
    infos,
    close() {
      sip.close();
      media.close();
    },
  };
}

let rig: Rig;
let far: FarEnd | null = null;
let phone: Phone | null = null;

beforeAll(async () => {
  rig = await startRig({ allowUnregistered: true });
});

afterEach(async () => {
  phone?.close();
  phone = null;
  far?.close();
  far = null;
  await until(() => rig.gateway.stats().sessions === 0, 5000, 'sessions to close');
});

afterAll(async () => {
  await rig.stop();
});

/** Logs in without registration, calls the far end directly, starts media; returns the far end. */
async function connectedCall(dtmfPt: number | null): Promise<FarEnd> {
  far = await startFarEnd(dtmfPt);
  phone = await Phone.tcp(rig.addresses, '1001', '');
  phone.call('invite', `sip:far@127.0.0.1:${far.sipPort}`);
  expect((await phone.next('accepted')).args.slice(0, 2)).toEqual(['pcmu', null]);
  await phone.startMedia();
  return far;
}

const events = (far: FarEnd, pt: number) => far.rtp.filter((p) => p.payloadType === pt);

function checkDigit(packets: RtpPacket[], code: number): void {
  expect(packets.length).toBeGreaterThanOrEqual(2);
  // RFC 4733 §2.5.1.1 / §2.3: one event = packets with the same timestamp; marker on the first only
  expect(packets[0].marker).toBe(true);
  expect(packets.slice(1).every((p) => !p.marker)).toBe(true);
  expect(new Set(packets.map((p) => p.timestamp)).size).toBe(1);
  for (const p of packets) {
    expect(p.payload.length).toBe(4);
    expect(p.payload[0]).toBe(code);
    expect(p.payload[1] & 0x3f).toBeLessThanOrEqual(63); // volume field present (0 = loudest … 63)
  }
  const end = (p: RtpPacket) => (p.payload[1] & 0x80) !== 0;
  const duration = (p: RtpPacket) => (p.payload[2] << 8) | p.payload[3];
  expect(end(packets[0])).toBe(false);
  // §2.5.1.4: the final packet (sent three times) has the E bit and the total duration
  const last = packets.slice(-3);
  expect(last.every(end)).toBe(true);
  expect(new Set(last.map(duration)).size).toBe(1);
  expect(duration(last[0])).toBeGreaterThanOrEqual(duration(packets[0]));
  expect(duration(last[0])).toBeGreaterThan(0);
  // durations never decrease within the event (§2.5.1.3)
  for (let i = 1; i < packets.length; i++) expect(duration(packets[i])).toBeGreaterThanOrEqual(duration(packets[i - 1]));
}

test('sendDTMF("5") then "#": telephone-event packets (pt 101) at the far end, marker on start, E bit on the last three', async () => {
  const far = await connectedCall(101);
  expect(far.offers[0]).toMatch(/a=rtpmap:101 telephone-event\/8000/);
  const frame = new Uint8Array(160).fill(0xff);
  for (let i = 0; i < 3; i++) phone!.local!.sendG711('pcmu', frame);
  await until(() => far.rtp.filter((p) => p.payloadType === 0).length >= 3, 5000, 'audio at the far end');
  const audio = far.rtp.filter((p) => p.payloadType === 0);

  await expect(phone!.client.call('sendDTMF', '5')).resolves.toMatchObject({ args: [true] });
  await until(() => events(far, 101).length >= 7, 5000, 'telephone-event packets for 5');
  await sleep(50);
  const five = events(far, 101);
  checkDigit(five, 5);
  // same RTP stream as the audio: SSRC, consecutive sequence numbers, media clock continues after the audio
  expect(five.every((p) => p.ssrc === audio[0].ssrc)).toBe(true);
  expect(five[0].sequence).toBe((audio[2].sequence + 1) & 0xffff);
  for (let i = 1; i < five.length; i++) expect(five[i].sequence).toBe((five[i - 1].sequence + 1) & 0xffff);
  expect((five[0].timestamp - audio[2].timestamp) >>> 0).toBe(160);

  await expect(phone!.client.call('sendDTMF', '#')).resolves.toMatchObject({ args: [true] });
  await until(() => events(far, 101).length >= five.length + 7, 5000, 'telephone-event packets for #');
  await sleep(50);
  const hash = events(far, 101).slice(five.length);
  checkDigit(hash, 11);
  // a new event: a later timestamp that does not overlap the previous one (§2.5.1.2)
  const fiveDuration = (five[five.length - 1].payload[2] << 8) | five[five.length - 1].payload[3];
  expect((hash[0].timestamp - five[0].timestamp) >>> 0).toBeGreaterThanOrEqual(fiveDuration);
});

test('the payload type the far end answered (96) is the one used', async () => {
  const far = await connectedCall(96);
  await expect(phone!.client.call('sendDTMF', '1')).resolves.toMatchObject({ args: [true] });
  await until(() => events(far, 96).length >= 7, 5000, 'telephone-event packets on pt 96');
  checkDigit(events(far, 96), 1);
  expect(events(far, 101)).toHaveLength(0);
});

test('no telephone-event in the answer: the digit goes as SIP INFO, nothing in the media', async () => {
  const far = await connectedCall(null);
  await expect(phone!.client.call('sendDTMF', '7')).resolves.toMatchObject({ args: [true] });
  await until(() => far.infos.length > 0, 5000, 'the INFO at the far end');
  expect(far.infos).toEqual(['application/dtmf-relay|Signal=7\r\nDuration=160\r\n']);
  expect(far.rtp.filter((p) => p.payloadType !== 0)).toHaveLength(0);
});

const isEnd = (p: RtpPacket) => (p.payload[1] & 0x80) !== 0;
const durationOf = (p: RtpPacket) => (p.payload[2] << 8) | p.payload[3];
/** Serial-number distance a → b of two RTP timestamps (negative when b is earlier). */
const tsDelta = (a: number, b: number) => ((b - a) | 0);

/** Splits telephone-event packets into events (same timestamp = same event, §2.5.1.1). */
function eventsOf(packets: RtpPacket[]): RtpPacket[][] {
  const out: RtpPacket[][] = [];
  for (const p of packets) {
    if (out.length === 0 || out[out.length - 1][0].timestamp !== p.timestamp) out.push([]);
    out[out.length - 1].push(p);
  }
  return out;
}

/**
 * The whole stream is consistent: one SSRC, sequence numbers +1 per packet, audio timestamps that only go
 * forward, and no audio packet inside an event's [timestamp, timestamp + duration).
 */
function checkStream(all: RtpPacket[], dtmfPt: number): void {
  expect(new Set(all.map((p) => p.ssrc)).size).toBe(1);
  for (let i = 1; i < all.length; i++) expect(all[i].sequence).toBe((all[i - 1].sequence + 1) & 0xffff);
  const audio = all.filter((p) => p.payloadType !== dtmfPt);
  for (let i = 1; i < audio.length; i++) expect(tsDelta(audio[i - 1].timestamp, audio[i].timestamp)).toBeGreaterThanOrEqual(160);
  for (const event of eventsOf(all.filter((p) => p.payloadType === dtmfPt))) {
    const start = event[0].timestamp;
    const length = durationOf(event[event.length - 1]);
    for (const a of audio) {
      const d = tsDelta(start, a.timestamp);
      expect(d < 0 || d >= length).toBe(true);
    }
  }
}

/** Fake timers: `advance(ms)` runs what falls due, in order. */
function fakeTimers(): LegTimers & { advance(ms: number): void; pending(): number } {
  let now = 0;
  let id = 0;
  const queue: { id: number; at: number; fn: () => void }[] = [];
  return {
    now: () => now,
    setTimeout(fn, ms) {
      queue.push({ id: ++id, at: now + ms, fn });
      return id;
    },
    clearTimeout(handle) {
      const i = queue.findIndex((t) => t.id === handle);
      if (i >= 0) queue.splice(i, 1);
    },
    advance(ms) {
      const end = now + ms;
      for (let guard = 0; guard < 10_000; guard++) {
        queue.sort((a, b) => a.at - b.at || a.id - b.id);
        const next = queue[0];
        if (!next || next.at > end) break;
        queue.shift();
        now = next.at;
        next.fn();
      }
      now = end;
    },
    pending: () => queue.length,
  };
}

describe('RTP leg DTMF pacing (fake timers, real UDP receiver)', () => {
  let receiver: Socket;
  let got: RtpPacket[];
  let leg: RtpLeg;
  let timers: ReturnType<typeof fakeTimers>;
  const frame = new Uint8Array(160).fill(0x7f);

  beforeEach(async () => {
    receiver = await bind();
    got = [];
    receiver.on('message', (bytes) => {
      const p = decodeRtp(new Uint8Array(bytes));
      if (p) got.push({ ...p, payload: p.payload.slice() });
    });
    timers = fakeTimers();
    leg = await createRtpLeg({ timers });
    const port = receiver.address().port;
    const answer = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0 101`,
      'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\r\n');
    leg.createOffer({ codecs: ['pcmu'], dtmf: true });
    expect(leg.applyAnswer(answer)).toBe(true);
  });

  afterEach(() => {
    leg.close();
    receiver.close();
  });

  /** The client's 20 ms audio: one frame, then 20 ms of (fake) time. */
  function talk(frames: number): void {
    for (let i = 0; i < frames; i++) {
      leg.sendFrame('pcmu', frame);
      timers.advance(20);
    }
  }

  test('one digit: start with marker, an update every 20 ms, the end three times; audio suppressed and resumed in step', async () => {
    talk(3);
    expect(leg.sendDtmf('1')).toBe(true);
    talk(10); // the client keeps sending while the tone plays
    await until(() => got.length >= 3 + 7 + 5, 2000, 'packets at the receiver');
    await sleep(20);
    const audio = got.filter((p) => p.payloadType === 0);
    const dtmf = got.filter((p) => p.payloadType === 101);
    expect(dtmf).toHaveLength(7);
    // 4 updates (160 … 640), then the end (800 = 100 ms, E bit) three times
    expect(dtmf.map(durationOf)).toEqual([160, 320, 480, 640, 800, 800, 800]);
    expect(dtmf.map(isEnd)).toEqual([false, false, false, false, true, true, true]);
    expect(dtmf.map((p) => p.marker)).toEqual([true, false, false, false, false, false, false]);
    expect(new Set(dtmf.map((p) => p.timestamp)).size).toBe(1);
    expect(dtmf.every((p) => p.payload[0] === 1)).toBe(true);
    // the event starts where the audio was: right after the 3rd frame
    expect(tsDelta(audio[2].timestamp, dtmf[0].timestamp)).toBe(160);
    // 13 frames sent, 5 of them fell inside the 100 ms tone: 8 audio packets, the 4th exactly at its end
    expect(audio).toHaveLength(8);
    expect(tsDelta(dtmf[0].timestamp, audio[3].timestamp)).toBe(800);
    for (let i = 4; i < audio.length; i++) expect(tsDelta(audio[i - 1].timestamp, audio[i].timestamp)).toBe(160);
    checkStream(got, 101);
  });

  test('packets go out at 20 ms steps of the clock, not in one burst', () => {
    const sent: number[] = [];
    const original = (leg as unknown as { send: (...a: unknown[]) => void }).send.bind(leg);
    (leg as unknown as { send: (...a: unknown[]) => void }).send = (...a: unknown[]) => {
      sent.push(timers.now());
      original(...a);
    };
    leg.sendDtmf('9');
    expect(sent).toEqual([0]);
    timers.advance(200);
    expect(sent).toEqual([0, 20, 40, 60, 80, 80, 80]);
    expect(timers.pending()).toBe(0);
  });

  test('sendDTMF("1"); sendDTMF("2") back to back: queued, no overlap, a pause between them', async () => {
    talk(2);
    expect(leg.sendDtmf('1')).toBe(true);
    expect(leg.sendDtmf('2')).toBe(true);
    expect(leg.sendDtmf('x')).toBe(false);
    talk(20);
    await until(() => got.filter((p) => p.payloadType === 101).length >= 14, 2000, 'two digits');
    await sleep(20);
    const events = eventsOf(got.filter((p) => p.payloadType === 101));
    expect(events).toHaveLength(2);
    expect(events.map((e) => e[0].payload[0])).toEqual([1, 2]);
    for (const e of events) {
      expect(e.map(durationOf)).toEqual([160, 320, 480, 640, 800, 800, 800]);
      expect(e[0].marker).toBe(true);
    }
    // the 2nd starts after the 1st's 100 ms plus the 60 ms pause (RTP time)
    expect(tsDelta(events[0][0].timestamp, events[1][0].timestamp)).toBe(800 + 480);
    // and after all packets of the 1st (sequence order)
    expect(events[1][0].sequence).toBe((events[0][6].sequence + 1 + got.filter((p) => p.payloadType === 0 && tsDelta(events[0][0].timestamp, p.timestamp) > 0 && tsDelta(p.timestamp, events[1][0].timestamp) > 0).length) & 0xffff);
    checkStream(got, 101);
  });

  test('silent client: the event still moves the clock, the next audio starts after it', async () => {
    talk(1);
    leg.sendDtmf('#');
    timers.advance(500);
    talk(1);
    await until(() => got.length >= 9, 2000, 'packets');
    const audio = got.filter((p) => p.payloadType === 0);
    const dtmf = got.filter((p) => p.payloadType === 101);
    expect(tsDelta(dtmf[0].timestamp, audio[1].timestamp)).toBe(800);
    checkStream(got, 101);
  });

  test('a digit soon after another waits for the pause in real time too; close() stops everything', () => {
    const starts: number[] = [];
    const original = (leg as unknown as { send: (pt: number, marker: boolean, ...r: unknown[]) => void }).send.bind(leg);
    (leg as unknown as { send: (pt: number, marker: boolean, ...r: unknown[]) => void }).send = (pt, marker, ...r) => {
      if (pt === 101 && marker) starts.push(timers.now());
      original(pt, marker, ...r);
    };
    leg.sendDtmf('1');
    timers.advance(110); // the 1st is over at 100 ms
    leg.sendDtmf('2'); // 10 ms later: waits for the 60 ms pause
    timers.advance(200);
    expect(starts).toEqual([0, 160]);
    leg.sendDtmf('3');
    leg.sendDtmf('4');
    expect(leg.dtmfBusy).toBe(true);
    leg.close();
    expect(timers.pending()).toBe(0);
  });
});

test('through the gateway, real time: "1" and "2" sent back to back while audio flows arrive paced and apart', async () => {
  const far = await connectedCall(101);
  const frame = new Uint8Array(160).fill(0xff);
  let talking = true;
  const speaker = (async () => {
    for (let i = 0; i < 100 && talking; i++) {
      phone!.local!.sendG711('pcmu', frame);
      await sleep(20);
    }
  })();
  await until(() => far.rtp.length >= 3, 5000, 'audio');
  phone!.call('sendDTMF', '1');
  phone!.call('sendDTMF', '2');
  await until(() => events(far, 101).length >= 14, 5000, 'both digits');
  await sleep(100);
  talking = false;
  await speaker;
  const dtmf = events(far, 101);
  const split = eventsOf(dtmf);
  expect(split.map((e) => e[0].payload[0])).toEqual([1, 2]);
  for (const [i, e] of split.entries()) {
    checkDigit(e, i + 1);
    expect(e.map(durationOf)).toEqual([160, 320, 480, 640, 800, 800, 800]);
  }
  checkStream(far.rtp, 101);
  // pacing on the wire: first to end packet of a digit ≈ 80 ms, not a burst
  const at = (p: RtpPacket) => far.arrivals[far.rtp.indexOf(p)];
  const spans = split.map((e) => at(e[4]) - at(e[0]));
  expect(Math.min(...spans)).toBeGreaterThanOrEqual(60);
  expect(Math.max(...spans)).toBeLessThan(400);
  // the 2nd digit's first packet comes after the 1st digit's end packets
  expect(at(split[1][0])).toBeGreaterThan(at(split[0][6]));
  // eslint-disable-next-line no-console
  console.log(`DTMF on the wire: first→end packet ${spans.map((s) => s.toFixed(1)).join(', ')} ms; digit 1 end → digit 2 start ${(at(split[1][0]) - at(split[0][6])).toFixed(1)} ms`);
});
