/**
 * kazoo-js: the engine and the legacy facade, wired to both transports.
 *   import { kazoo } from 'kazoo-js'          // the ready-made object, as the global build defines it
 *   import { createKazoo } from 'kazoo-js'    // another instance (tests, several accounts)
 */
import { createRtmpTransport, rtmpAvailable } from '../transports/rtmp';
import { createKazooOn, type Kazoo, type KazooOptions } from './create';

export function createKazoo(options: Partial<KazooOptions> = {}): Kazoo {
  return createKazooOn({ rtmp: createRtmpTransport }, { rtmp: () => rtmpAvailable() }, options);
}

export const kazoo: Kazoo = createKazoo();
export default kazoo;

export * from './exports';
