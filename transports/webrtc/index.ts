import type { TransportFactory } from '../../src/transport';
import { WebRtcTransport } from './webrtc-transport';
import type { WebSocketConstructor } from './sip-socket';

/**
 * The WebRTC transport for the engine's registry. The WebSocket class is looked up when a
 * registration starts, so `kazoo-js/node` can install one after this module loaded.
 */
export const createWebRtcTransport: TransportFactory = (env) => {
  const WS = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!WS) throw new TypeError('no WebSocket implementation (in Node, call installNodeWebRTC() from kazoo-js/node first)');
  return new WebRtcTransport(env, WS);
};

export { WebRtcTransport } from './webrtc-transport';
export { SipWebSocket } from './sip-socket';
export { isUsableCandidate } from './fast-ice';
