/**
 * The RTMP transport for the engine's registry (`createKazoo({ transports: { rtmp: createRtmpTransport } })`).
 * In browsers it reaches the gateway through the WebSocket tunnel (RTMPT as the fallback) and uses the
 * microphone; in Node, `installNodeRtmp()` (./adapter/node) switches it to TCP and a PCMU source/sink.
 */
import type { TransportFactory } from '../../src/transport';
import { RtmpTransport } from './adapter/rtmp-transport';
import { installedRtmpPlatform, type RtmpPlatform } from './adapter/platform';
import { openBrowserDuplex, pageIsSecure } from './adapter/browser-duplex';
import { browserMedia } from './media/browser/browser-media';
import { rtmpSupported, type RtmpEnvironment } from './adapter/support';

const browserPlatform: RtmpPlatform = { openDuplex: openBrowserDuplex, media: browserMedia(), secure: pageIsSecure };

export const createRtmpTransport: TransportFactory = (env) => new RtmpTransport(env, installedRtmpPlatform() ?? browserPlatform);

/**
 * For the facade's onFlashMissing decision: a platform was installed (Node: installNodeRtmp), or this
 * browser has a byte carrier, AudioWorklet and getUserMedia.
 */
export function rtmpAvailable(g: RtmpEnvironment = globalThis as RtmpEnvironment): boolean {
  return installedRtmpPlatform() !== null || rtmpSupported(g);
}

export { RtmpTransport } from './adapter/rtmp-transport';
export type { RtmpRegistrationSettings } from './adapter/rtmp-transport';
export { installRtmpPlatform } from './adapter/platform';
export type { RtmpPlatform } from './adapter/platform';
export type { CallMedia, CallMediaFactory } from './media/call-media';
export { rtmpSupported };
export type { RtmpEnvironment };
export { rtmpEndpoints } from './adapter/endpoints';
