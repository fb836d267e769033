/**
 * The WebRTC-profile media leg end to end on 127.0.0.1, with no media relay: an RTMP client (our
 * RtmpClient over TCP) and a JsSIP user agent in Node on werift (the stand-in for a browser) call each
 * other through the gateway and the in-process dev SIP server. The gateway answers the browser's
 * SAVPF offer with its WebRTC leg and, with `mediaProfile: 'auto'`, offers ICE + DTLS-SRTP itself.
 * Audio is measured on both ends as μ-law energy.
 */
import type { RTCPeerConnection as WeriftPC } from 'werift';
import { mulawDecodeSample, mulawEncodeSample } from '../protocol/audio/g711';
import { once, registered, startUa, waitUntil, type UaHandle } from '../test/support/node-webrtc/jssip-node';
import { installWeriftShims, peerConnections, stopTones } from '../test/support/node-webrtc/werift-shims';
import { Phone, Rig, sleep, startRig, until } from '../test/support/gateway/harness';
import { ProfileLeg } from './profile-leg';
import type { MediaLeg } from './media-leg';
import { isWebRtcSdp } from './webrtc-sdp';

installWeriftShims();
jest.setTimeout(30_000);

interface Session {
  on(event: string, fn: (data: never) => void): void;
  answer(o: object): void;
  terminate(): void;
  isEnded(): boolean;
  connection: WeriftPC | null;
}
const MEDIA = { mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } };

let rig: Rig;
let ua: UaHandle;
const sessions: Session[] = [];
/** What the Node UA heard: RTP payload bytes and the mean square of the decoded samples (0..1). */
const heardByUa = { samples: 0, energy: 0 };
const phones: Phone[] = [];

function energyOf(ulaw: Uint8Array): number {
  let sum = 0;
  for (const b of ulaw) sum += (mulawDecodeSample(b) / 32768) ** 2;
  return sum;
}

/** 20 ms of a 1 kHz tone, μ-law, as the RTMP client publishes it. */
function toneFrame(n: number): Uint8Array {
  return Uint8Array.from({ length: 160 }, (_, i) => mulawEncodeSample(Math.round(8000 * Math.sin((2 * Math.PI * 1000 * (n * 160 + i)) / 8000))));
}

function listen(pc: WeriftPC): void {
  pc.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((rtp) => {
    heardByUa.samples += rtp.payload.length;
    heardByUa.energy += energyOf(rtp.payload);
  }));
}

/** Publishes the tone for `ms` while the call is up (what the browser worklet does every 20 ms). */
async function speak(phone: Phone, ms: number): Promise<void> {
  for (let n = 0; n < ms / 20; n++) {
    phone.local!.sendG711('pcmu', toneFrame(n));
    await sleep(20);
  }
}

beforeAll(async () => {
  rig = await startRig({ mediaProfile: 'auto', logLevel: 'warn' });
  ua = startUa(rig.sipInfo.wsUrl, '1002', 'secret1002');
  (ua.ua as unknown as { on(e: string, fn: (d: { session: Session; originator: string }) => void): void }).on('newRTCSession', ({ session, originator }) => {
    sessions.push(session);
    if (session.connection) listen(session.connection);
    else session.on('peerconnection', ((e: { peerconnection: WeriftPC }) => listen(e.peerconnection)) as (d: never) => void);
    if (originator === 'remote') session.answer(MEDIA);
  });
  await registered(ua, 5000);
});

afterEach(async () => {
  for (const s of sessions.splice(0)) if (!s.isEnded()) s.terminate();
  for (const p of phones.splice(0)) p.close();
  await until(() => rig.gateway.stats().sessions === 0, 5000, 'sessions to close');
});

afterAll(async () => {
  await ua?.stop();
  await Promise.all(peerConnections.map((pc) => pc.close().catch(() => undefined)));
  stopTones();
  await rig?.stop();
});

test('an RTMP client calls a WebRTC UA: the gateway offers ICE + DTLS-SRTP, audio both ways', async () => {
  const phone = await Phone.tcp(rig.addresses, '1001');
  phones.push(phone);
  heardByUa.samples = heardByUa.energy = 0;
  phone.call('invite', '1002');
  expect((await phone.next('accepted', 10_000)).args[0]).toBe('pcmu');
  await phone.startMedia();
  await speak(phone, 2000);
  // the UA's 440 Hz tone reached the RTMP client, and the client's 1 kHz tone reached the UA
  await until(() => phone.heard.length >= 25, 5000, 'WebRTC → RTMP audio');
  const rtmpEnergy = phone.heard.reduce((sum, m) => sum + energyOf(m.payload.subarray(1)), 0) / (phone.heard.length * 160);
  const uaEnergy = heardByUa.energy / Math.max(1, heardByUa.samples);
  expect(heardByUa.samples).toBeGreaterThan(160 * 25);
  expect(uaEnergy).toBeGreaterThan(0.01); // amplitude 8000/32768 → mean square ≈ 0.03
  expect(rtmpEnergy).toBeGreaterThan(0.01);
  expect(phone.heard[0].payload[0]).toBe(0x82); // PCMU audio tags
  // DTMF: no telephone-event on this leg, so the gateway sends SIP INFO, which the UA decodes
  const tones: string[] = [];
  sessions[0].on('newDTMF', ((e: { dtmf: { tone: string } }) => tones.push(e.dtmf.tone)) as (d: never) => void);
  phone.call('sendDTMF', '7');
  await until(() => tones.length > 0, 5000, 'DTMF at the WebRTC UA');
  expect(tones).toEqual(['7']);
  phone.call('bye');
  const s = sessions[0];
  await waitUntil(() => s.isEnded() || undefined, 5000, 'the UA sees the BYE');
});

test('a WebRTC UA calls an RTMP client: its SAVPF offer gets the WebRTC leg, audio both ways, UA hangs up', async () => {
  const phone = await Phone.tcp(rig.addresses, '1003');
  phones.push(phone);
  heardByUa.samples = heardByUa.energy = 0;
  const session = (ua.ua as unknown as { call(t: string, o: object): Session }).call('sip:1003@kazoo.test', MEDIA);
  await phone.next('invited', 10_000);
  phone.call('accept');
  expect((await phone.next('accepted', 10_000)).args[0]).toBe('pcmu');
  await once(session as unknown as Parameters<typeof once>[0], 'confirmed', 10_000);
  await phone.startMedia();
  await speak(phone, 1500);
  await until(() => phone.heard.length >= 25 && heardByUa.samples > 160 * 25, 5000, 'audio both ways');
  expect(heardByUa.energy / heardByUa.samples).toBeGreaterThan(0.01);
  session.terminate();
  await phone.next('byed', 5000);
});

describe('profile selection', () => {
  const fake = (kind: string, made: string[]): (() => Promise<MediaLeg>) => async () => {
    made.push(kind);
    return { codec: 'pcmu', remoteHold: false, onFrame: null, onDtmf: null, createOffer: () => `v=0 ${kind}`, applyAnswer: () => true, createAnswer: () => `answer ${kind}`, sendFrame: () => undefined, sendDtmf: () => false, close: () => undefined };
  };
  const browserOffer = 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\na=ice-ufrag:abcd\r\na=fingerprint:sha-256 00\r\n';
  const plainOffer = 'v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 0 101\r\n';

  test('answers follow the offer: SAVPF with ICE → WebRTC, RTP/AVP → RTP', async () => {
    const made: string[] = [];
    const factories = { rtp: fake('rtp', made), webrtc: fake('webrtc', made) };
    expect(isWebRtcSdp(browserOffer)).toBe(true);
    expect(isWebRtcSdp(plainOffer)).toBe(false);
    expect(await new ProfileLeg('rtp', factories).createAnswer(browserOffer, { codecs: ['pcmu'], dtmf: true })).toBe('answer webrtc');
    expect(await new ProfileLeg('webrtc', factories).createAnswer(plainOffer, { codecs: ['pcmu'], dtmf: true })).toBe('answer rtp');
    expect(made).toEqual(['webrtc', 'rtp']);
  });

  test("offers follow mediaProfile: 'rtp' → RTP/AVP, 'webrtc' and 'auto' → WebRTC", async () => {
    const made: string[] = [];
    const factories = { rtp: fake('rtp', made), webrtc: fake('webrtc', made) };
    for (const profile of ['rtp', 'webrtc', 'auto'] as const) await new ProfileLeg(profile, factories).createOffer({ codecs: ['pcmu'], dtmf: true });
    expect(made).toEqual(['rtp', 'webrtc', 'webrtc']);
  });
});
