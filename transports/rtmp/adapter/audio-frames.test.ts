/**
 * Audio through the RTMP transport in Node: frames from the pluggable source reach the gateway byte
 * for byte (tag 0x82 + 160 bytes, 20 ms apart), the gateway's frames reach the sink, mute sends silence.
 */
import { createKazooFacade, type Kazoo } from '../../../src/facade/kazoo';
import { createRtmpTransport } from '../index';
import { installNodeRtmp } from './node';
import { installRtmpPlatform } from './platform';
import { SiprtmpStandIn } from '../../../test/support/rtmp/siprtmp-stand-in';
import { encodeG711, decodeG711 } from '../../../protocol/audio/g711';

jest.setTimeout(15_000);

const until = async (what: string, ok: () => boolean, timeoutMs = 4000): Promise<void> => {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

const sent: Uint8Array[] = [];
const received: Uint8Array[] = [];
let stand: SiprtmpStandIn;
let k: Kazoo;

function frame(n: number): Uint8Array {
  const f = new Uint8Array(160);
  for (let i = 0; i < 160; i++) f[i] = (n * 31 + i * 7) & 0x7f; // never 0xff: silence stays recognisable
  return f;
}

beforeAll(async () => {
  installNodeRtmp({
    audio: {
      source: () => { const f = frame(sent.length); sent.push(f); return f; },
      sink: (pcmu) => received.push(pcmu.slice()),
    },
  });
  stand = await new SiprtmpStandIn().listen();
  k = createKazooFacade({ transports: { rtmp: createRtmpTransport }, network: { isOnline: () => undefined }, storage: null, logSink: null });
  let connected = false;
  let accepted = false;
  k.register({
    forceRTMP: true, rtmpUrl: stand.rtmpUrl, publicIdentity: 'sip:1001@lab.test', privateIdentity: '1001', password: 'pw',
    onConnected: () => { connected = true; }, onAccepted: () => { accepted = true; },
  });
  await until('registered', () => connected);
  k.connect('2000');
  await stand.nextCommand('invite');
  stand.invoke('accepted', 'pcmu', null);
  await until('accepted', () => accepted);
});

afterAll(async () => {
  await k.logout();
  await stand.close();
  installRtmpPlatform(null);
});

test('published frames arrive at the gateway byte for byte, one per 20 ms', async () => {
  await until('25 frames at the gateway', () => stand.audio.length >= 25);
  const first = stand.audio[0];
  expect(first[0]).toBe(0x82);
  // frames made before the publish stream existed were dropped: find where the gateway's copy starts
  const offset = sent.findIndex((f) => Buffer.from(f).equals(Buffer.from(first.subarray(1))));
  expect(offset).toBeGreaterThanOrEqual(0);
  for (let i = 0; i < 25; i++) {
    expect(stand.audio[i].length).toBe(161);
    expect(Buffer.from(stand.audio[i]).equals(Buffer.concat([Buffer.from([0x82]), Buffer.from(sent[offset + i])]))).toBe(true);
  }
  const t0 = Date.now();
  const n0 = stand.audio.length;
  await new Promise((r) => setTimeout(r, 500));
  const rate = (stand.audio.length - n0) / ((Date.now() - t0) / 1000);
  expect(rate).toBeGreaterThan(40);
  expect(rate).toBeLessThan(60);
});

test('frames from the gateway reach the sink unchanged (PCMA transcoded to PCMU)', async () => {
  await until('the play stream', () => stand.session.playStreamId !== 0);
  const before = received.length;
  const tone = new Int16Array(160).map((_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
  const pcmu = encodeG711('pcmu', tone);
  for (let i = 0; i < 5; i++) stand.session.sendAudio(Uint8Array.from([0x82, ...pcmu]), i * 20);
  const pcma = encodeG711('pcma', tone);
  stand.session.sendAudio(Uint8Array.from([0x72, ...pcma]), 100);
  await until('6 frames at the sink', () => received.length >= before + 6);
  for (let i = 0; i < 5; i++) expect(Buffer.from(received[before + i]).equals(Buffer.from(pcmu))).toBe(true);
  const back = decodeG711('pcmu', received[before + 5]);
  const error = Math.max(...Array.from(back, (v, i) => Math.abs(v - tone[i])));
  expect(error).toBeLessThan(400); // two companding steps
});

test('mute sends 0xFF silence without stopping the frames; unmute resumes the source', async () => {
  let ok = false;
  k.muteMicrophone(true, () => { ok = true; });
  expect(ok).toBe(true);
  await new Promise((r) => setTimeout(r, 60));
  const from = stand.audio.length;
  await until('10 muted frames', () => stand.audio.length >= from + 10);
  for (const m of stand.audio.slice(from, from + 10)) expect(m.subarray(1).every((b) => b === 0xff)).toBe(true);
  k.muteMicrophone(false);
  await new Promise((r) => setTimeout(r, 60));
  const back = stand.audio.length;
  await until('unmuted frames', () => stand.audio.length >= back + 3);
  expect(stand.audio[back + 2].subarray(1).every((b) => b === 0xff)).toBe(false);
});
