// Browser-API shims so JsSIP's RTCSession runs in plain Node on werift (pure-TypeScript WebRTC), a
// TypeScript port of ../shared/lab/node-ua/werift-shims.mjs: window, RTCPeerConnection (PCMU only,
// 127.0.0.1 host candidates, createOffer/createAnswer(null) fixed), RTCSessionDescription,
// navigator.mediaDevices.getUserMedia (a 440 Hz PCMU tone track) and MediaStream.

import { MediaStream, MediaStreamTrack, RTCPeerConnection as WeriftPC, RTCRtpCodecParameters, RtpHeader, RtpPacket } from 'werift';

type Global = Record<string, unknown>;

// werift's DTLS retransmits its flights with `setTimeout` from node:timers/promises and does not stop
// when the peer connection closes mid-handshake (a call ended right after it was answered); its ~30 s
// of backoff would keep jest alive. Make those timers unref'd (the module object is shared, so patch it).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const timersPromises = require('node:timers/promises') as { setTimeout: (ms?: number, value?: unknown, o?: { ref?: boolean }) => Promise<unknown> };
const realPromiseTimeout = timersPromises.setTimeout;
timersPromises.setTimeout = (ms, value, o) => realPromiseTimeout(ms, value, { ...o, ref: false });

function linearToUlaw(input: number): number {
  const BIAS = 0x84;
  const CLIP = 32635;
  let sample = input;
  const sign = (sample >> 8) & 0x80;
  if (sign) sample = -sample;
  if (sample > CLIP) sample = CLIP;
  sample += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (sample & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (sample >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

const tones = new Set<NodeJS.Timeout>();

function startTone(track: MediaStreamTrack, hz = 440): void {
  let seq = Math.floor(Math.random() * 65535);
  let ts = Math.floor(Math.random() * 1e9);
  let n = 0;
  const ssrc = Math.floor(Math.random() * 0xffffffff);
  const timer = setInterval(() => {
    if (track.stopped) {
      clearInterval(timer);
      tones.delete(timer);
      return;
    }
    const payload = Buffer.alloc(160);
    for (let i = 0; i < 160; i++, n++) payload[i] = linearToUlaw(Math.round(8000 * Math.sin((2 * Math.PI * hz * n) / 8000)));
    const header = new RtpHeader({ payloadType: 0, sequenceNumber: seq, timestamp: ts, ssrc, marker: false });
    seq = (seq + 1) & 0xffff;
    ts = (ts + 160) >>> 0;
    track.writeRtp(new RtpPacket(header, payload));
  }, 20);
  timer.unref();
  tones.add(timer);
}

/** Stop every tone generator (afterAll). */
export function stopTones(): void {
  for (const t of tones) clearInterval(t);
  tones.clear();
}

/** Every peer connection created, so a test can close them all. */
export const peerConnections: WeriftPC[] = [];

export function installWeriftShims(): void {
  const codecs = {
    audio: [new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 })],
    video: [],
  };
  class RTCPeerConnection extends WeriftPC {
    constructor(config: { iceServers?: [] } = {}) {
      super({
        codecs,
        iceServers: config.iceServers ?? [],
        iceUseIpv6: false,
        // werift skips loopback interfaces unless they are listed
        iceAdditionalHostAddresses: ['127.0.0.1'],
        iceInterfaceAddresses: { udp4: '127.0.0.1' },
        bundlePolicy: 'max-bundle',
      } as ConstructorParameters<typeof WeriftPC>[0]);
      peerConnections.push(this);
    }
    // JsSIP passes null when no constraints are given; werift only defaults undefined.
    override createOffer(options?: Parameters<WeriftPC['createOffer']>[0] | null): ReturnType<WeriftPC['createOffer']> {
      return super.createOffer(options ?? undefined);
    }
    override createAnswer(): ReturnType<WeriftPC['createAnswer']> {
      return super.createAnswer();
    }
  }
  class RTCSessionDescription {
    type: string;
    sdp: string;
    constructor(init: { type: string; sdp: string }) {
      this.type = init.type;
      this.sdp = init.sdp;
    }
    toJSON(): { type: string; sdp: string } {
      return { type: this.type, sdp: this.sdp };
    }
  }
  const mediaDevices = {
    async getUserMedia(): Promise<MediaStream> {
      const track = new MediaStreamTrack({ kind: 'audio' });
      startTone(track);
      return new MediaStream([track]);
    },
    async enumerateDevices(): Promise<object[]> {
      return [{ kind: 'audioinput', deviceId: 'tone', label: 'werift tone', groupId: 'werift' }];
    },
  };
  const g = globalThis as unknown as Global;
  g.RTCPeerConnection = RTCPeerConnection;
  g.RTCSessionDescription = RTCSessionDescription;
  g.MediaStream = MediaStream;
  g.MediaStreamTrack = MediaStreamTrack;
  if (typeof g.navigator !== 'object' || g.navigator === null) g.navigator = {};
  Object.defineProperty(g.navigator as object, 'mediaDevices', { value: mediaDevices, configurable: true });
  g.window = g.window ?? globalThis;
}

/** Count RTP payload bytes of the remote audio of `pc`. */
export function onRemoteAudio(pc: WeriftPC, cb: (bytes: number) => void): void {
  pc.onTrack.subscribe((track) => {
    track.onReceiveRtp.subscribe((rtp) => cb(rtp.payload.length));
  });
}
