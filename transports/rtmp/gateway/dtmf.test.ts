/**
 * RFC 4733 DTMF from an RTMP client's `sendDTMF` to the far end, on the wire. The far end is scripted here:
 * a SIP UAS over UDP built with the dev server's parser/builder (answers the gateway's direct-IP INVITE with
 * PCMU + telephone-event) and a raw UDP socket that records every RTP packet the gateway sends.
 */
import { createSocket, Socket } from 'node:dgram';
import { createResponse, parseSipMessage, SipRequest } from './sip-imports';
import { decodeRtp, RtpPacket } from './rtp-packet';
import { Phone, Rig, sleep, startRig, until } from './test-helpers';

jest.setTimeout(30_000);

interface FarEnd {
  sipPort: number;
  /** RTP packets received, in arrival order. */
  rtp: RtpPacket[];
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
  const offers: string[] = [];
  const infos: string[] = [];
  media.on('message', (bytes) => {
    const packet = decodeRtp(new Uint8Array(bytes));
    if (packet) rtp.push({ ...packet, payload: packet.payload.slice() });
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
  expect((await phone.next('accepted')).args).toEqual(['pcmu', null]);
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
  await until(() => events(far, 101).length >= 4, 5000, 'telephone-event packets for 5');
  await sleep(50);
  const five = events(far, 101);
  checkDigit(five, 5);
  // same RTP stream as the audio: SSRC, consecutive sequence numbers, media clock continues after the audio
  expect(five.every((p) => p.ssrc === audio[0].ssrc)).toBe(true);
  expect(five[0].sequence).toBe((audio[2].sequence + 1) & 0xffff);
  for (let i = 1; i < five.length; i++) expect(five[i].sequence).toBe((five[i - 1].sequence + 1) & 0xffff);
  expect((five[0].timestamp - audio[2].timestamp) >>> 0).toBe(160);

  await expect(phone!.client.call('sendDTMF', '#')).resolves.toMatchObject({ args: [true] });
  await until(() => events(far, 101).length >= five.length + 4, 5000, 'telephone-event packets for #');
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
  await until(() => events(far, 96).length >= 4, 5000, 'telephone-event packets on pt 96');
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
