import JsSIP from 'jssip';
import { createKazooFacade, type Kazoo, type KazooOptions } from '../src/facade/kazoo';
import { createWebRtcTransport } from '../transports/webrtc';

export type { Kazoo, KazooOptions };

/**
 * A `kazoo` object on WebRTC plus the given transports. The entries differ only in what they add:
 * `index.ts` (package) and `global-rtmp.ts` add RTMP; `global.ts` (dist/kazoo.js) fetches it on demand.
 */
export function createKazooOn(
  extra: KazooOptions['transports'],
  available: KazooOptions['available'],
  options: Partial<KazooOptions>,
): Kazoo {
  return createKazooFacade({
    setDebug: (on) => (on ? JsSIP.debug.enable('JsSIP:*') : JsSIP.debug.disable()),
    available,
    ...options,
    transports: { webrtc: createWebRtcTransport, ...extra, ...options.transports },
  });
}
