// installNodeWebRTC: JsSIP constructs its WebSocket with (url, protocols) only, so socket options such as a
// CA for a self-signed certificate must be bound by the shim; werift senders carry no RTCDTMFSender.
import * as werift from 'werift';
import { installNodeWebRTC } from './node-webrtc';
import { hasDtmfSender } from './jssip-call';

class RecordingSocket {
  static readonly OPEN = 1;
  static made: unknown[][] = [];
  constructor(...args: unknown[]) { RecordingSocket.made.push(args); }
}

const g = globalThis as unknown as { WebSocket: new (url: string, protocols?: string) => object };

beforeEach(() => { RecordingSocket.made = []; });

test('without webSocketOptions the given class is the global WebSocket, as is', () => {
  installNodeWebRTC({ WebSocket: RecordingSocket, werift });
  expect(g.WebSocket).toBe(RecordingSocket);
});

test('webSocketOptions reach every socket as the third argument; constants and instanceof still hold', () => {
  const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  installNodeWebRTC({ WebSocket: RecordingSocket, werift, webSocketOptions: { ca } });
  const socket = new g.WebSocket('wss://127.0.0.1:8443/api/asterisk/ws', 'sip');
  expect(RecordingSocket.made).toEqual([['wss://127.0.0.1:8443/api/asterisk/ws', 'sip', { ca }]]);
  expect(socket).toBeInstanceOf(RecordingSocket);
  expect((g.WebSocket as unknown as { OPEN: number }).OPEN).toBe(1);
});

test('a werift peer connection has no RTCDTMFSender (DTMF goes as SIP INFO); a browser-like one has', async () => {
  installNodeWebRTC({ WebSocket: RecordingSocket, werift });
  const G = globalThis as unknown as { RTCPeerConnection: new () => RTCPeerConnection; navigator: Navigator };
  const pc = new G.RTCPeerConnection();
  const stream = await G.navigator.mediaDevices.getUserMedia({ audio: true });
  for (const track of stream.getTracks()) pc.addTrack(track, stream);
  try {
    expect(pc.getSenders().some((s) => s.track?.kind === 'audio')).toBe(true);
    expect(hasDtmfSender(pc)).toBe(false);
  } finally {
    for (const track of stream.getTracks()) track.stop();
    await pc.close();
  }
  const browserLike = { getSenders: () => [{ track: { kind: 'audio' }, dtmf: {} }] } as unknown as RTCPeerConnection;
  expect(hasDtmfSender(browserLike)).toBe(true);
  expect(hasDtmfSender(null)).toBe(false);
});
