/**
 * WebRTC in Node 20 for the WebRTC transport: the engine needs a WebSocket (Node 20 has none; the `ws`
 * package serves) and WebRTC (werift, pure TypeScript). installNodeWebRTC() puts browser-shaped globals
 * in place for JsSIP — exactly what JsSIP 3.13 touches — with a microphone that plays a tone. The one
 * Node WebRTC shim set: `kazoo-js/node` exports it and the tests run JsSIP in Node on it.
 *
 *   import WebSocket from 'ws';
 *   import * as werift from 'werift';
 *   import { installNodeWebRTC } from 'kazoo-js/node';
 *   const node = installNodeWebRTC({ WebSocket, werift });
 *   node.onPeerConnection((pc) => node.onRemoteAudio(pc, (samples) => …));
 */
import type * as Werift from 'werift';
// G.711 is shared with the RTMP transport and gateway
import { mulawDecodeSample, mulawEncodeSample } from '../../protocol/audio/g711';

export interface NodeWebRTCOptions {
  /** the `ws` package's WebSocket class */
  WebSocket: unknown;
  /** the `werift` module */
  werift: typeof Werift;
  /** frequency of the microphone's tone (default 440 Hz) */
  toneHz?: number;
  /** host candidates on 127.0.0.1 only (default true; werift skips loopback otherwise) */
  loopbackOnly?: boolean;
  /**
   * options of every SIP WebSocket (the `ws` constructor's third argument), e.g. `{ ca }` to trust a
   * server's self-signed certificate (the Wazo dev engine's) without turning certificate checks off
   */
  webSocketOptions?: Record<string, unknown>;
}

export interface NodeWebRTC {
  /** every peer connection JsSIP creates from now on */
  onPeerConnection(fn: (pc: globalThis.RTCPeerConnection) => void): void;
  /** decoded PCM samples of the far end's audio (μ-law RTP payloads) */
  onRemoteAudio(pc: globalThis.RTCPeerConnection, fn: (samples: Int16Array) => void): void;
  /** stops every microphone tone still playing (a track's tone also stops when the track stops) */
  stopTones(): void;
}

const SAMPLES_PER_PACKET = 160; // 20 ms at 8 kHz

export function installNodeWebRTC(options: NodeWebRTCOptions): NodeWebRTC {
  const w = options.werift;
  const toneHz = options.toneHz ?? 440;
  const loopbackOnly = options.loopbackOnly ?? true;
  const listeners: Array<(pc: globalThis.RTCPeerConnection) => void> = [];
  const tones = new Set<NodeJS.Timeout>();
  const codecs = {
    audio: [new w.RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 })],
    video: [],
  };

  class RTCPeerConnection extends w.RTCPeerConnection {
    constructor(config: { iceServers?: Werift.RTCIceServer[] } = {}) {
      super({
        codecs,
        iceServers: config.iceServers ?? [],
        iceUseIpv6: false,
        iceAdditionalHostAddresses: loopbackOnly ? ['127.0.0.1'] : undefined,
        iceInterfaceAddresses: loopbackOnly ? { udp4: '127.0.0.1' } : undefined,
        bundlePolicy: 'max-bundle',
      } as Partial<Werift.PeerConfig>);
      for (const fn of listeners) fn(this as unknown as globalThis.RTCPeerConnection);
    }
    // JsSIP passes null for "no constraints"; werift only defaults undefined
    override createOffer(o?: Parameters<Werift.RTCPeerConnection['createOffer']>[0] | null) { return super.createOffer(o ?? undefined); }
    override createAnswer() { return super.createAnswer(); }
  }

  class RTCSessionDescription {
    type: string;
    sdp: string;
    constructor(init: { type: string; sdp: string }) { this.type = init.type; this.sdp = init.sdp; }
    toJSON() { return { type: this.type, sdp: this.sdp }; }
  }

  function toneTrack(): Werift.MediaStreamTrack {
    const track = new w.MediaStreamTrack({ kind: 'audio' });
    let seq = Math.floor(Math.random() * 0xffff);
    let ts = Math.floor(Math.random() * 0xffffffff);
    let n = 0;
    const ssrc = Math.floor(Math.random() * 0xffffffff);
    const timer = setInterval(() => {
      if (track.stopped) {
        clearInterval(timer);
        tones.delete(timer);
        return;
      }
      const payload = Buffer.alloc(SAMPLES_PER_PACKET);
      for (let i = 0; i < SAMPLES_PER_PACKET; i++, n++) payload[i] = mulawEncodeSample(8000 * Math.sin((2 * Math.PI * toneHz * n) / 8000));
      const header = new w.RtpHeader({ payloadType: 0, sequenceNumber: seq, timestamp: ts, ssrc, marker: false });
      seq = (seq + 1) & 0xffff;
      ts = (ts + SAMPLES_PER_PACKET) >>> 0;
      track.writeRtp(new w.RtpPacket(header, payload));
    }, 20);
    timer.unref();
    tones.add(timer);
    return track;
  }

  const mediaDevices = {
    async getUserMedia(constraints: MediaStreamConstraints = {}) {
      if (constraints.video) throw Object.assign(new Error('no camera in Node'), { name: 'NotSupportedError' });
      return new w.MediaStream([toneTrack()]);
    },
    async enumerateDevices() {
      return [{ kind: 'audioinput', deviceId: 'tone', label: `${toneHz} Hz tone`, groupId: 'node' }];
    },
  };

  const g = globalThis as Record<string, unknown>;
  g.WebSocket = options.webSocketOptions ? withOptions(options.WebSocket, options.webSocketOptions) : options.WebSocket;
  g.RTCPeerConnection = RTCPeerConnection;
  g.RTCSessionDescription = RTCSessionDescription;
  g.MediaStream = w.MediaStream;
  g.MediaStreamTrack = w.MediaStreamTrack;
  const nav = (g.navigator ?? {}) as Record<string, unknown>;
  try {
    nav.mediaDevices = mediaDevices;
  } catch { /* read-only navigator */ }
  if (nav.mediaDevices !== mediaDevices) Object.defineProperty(nav, 'mediaDevices', { value: mediaDevices, configurable: true });
  if (!g.navigator) g.navigator = nav;
  // JsSIP tests `window.RTCPeerConnection`
  if (!g.window) g.window = globalThis;

  return {
    onPeerConnection: (fn) => { listeners.push(fn); },
    onRemoteAudio(pc, fn) {
      (pc as unknown as Werift.RTCPeerConnection).onTrack.subscribe((track) => {
        track.onReceiveRtp.subscribe((rtp) => {
          if (rtp.header.payloadType !== 0) return;
          fn(Int16Array.from(rtp.payload, (b) => mulawDecodeSample(b)));
        });
      });
    },
    stopTones() {
      for (const timer of tones) clearInterval(timer);
      tones.clear();
    },
  };
}

/** the WebSocket class with `extra` as every socket's options (JsSIP passes only url and protocols) */
function withOptions(WebSocket: unknown, extra: Record<string, unknown>): unknown {
  const Base = WebSocket as new (url: string, protocols?: string | string[], options?: Record<string, unknown>) => object;
  return class extends Base {
    constructor(url: string, protocols?: string | string[]) { super(url, protocols, extra); }
  };
}
