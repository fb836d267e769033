/**
 * kazoo-js: the engine and the legacy facade, wired to the transports this build ships.
 *   import { kazoo } from 'kazoo-js'          // the ready-made object, as the global build defines it
 *   import { createKazoo } from 'kazoo-js'    // another instance (tests, several accounts)
 */
import JsSIP from 'jssip';
import { createKazoo as createFacade, type Kazoo, type KazooOptions } from './facade/kazoo';
import { createWebRtcTransport } from '../transports/webrtc';

export function createKazoo(options: Partial<KazooOptions> = {}): Kazoo {
  return createFacade({
    setDebug: (on) => (on ? JsSIP.debug.enable('JsSIP:*') : JsSIP.debug.disable()),
    ...options,
    transports: { webrtc: createWebRtcTransport, ...options.transports },
  });
}

export const kazoo: Kazoo = createKazoo();
export default kazoo;

export { VERSION } from './facade/kazoo';
export type { Kazoo, KazooOptions } from './facade/kazoo';
export type { InitParams, RegisterParams } from './facade/params';
export type { Call } from './phone/call';
export { CATALOGUE, messageOf } from './catalogue/catalogue';
export type { CatalogueKey, ErrorKey, NotificationKey } from './catalogue/catalogue';
export type * from './catalogue/events';
export type * from './transport';
export { classifyNotify, parseMessageSummary } from './sip/notify';
export { normaliseIdentity, normaliseTarget, parseSipUri } from './sip/uri';
