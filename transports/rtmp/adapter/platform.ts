/**
 * What differs between a browser and Node for the RTMP transport: how bytes reach the gateway (TCP vs
 * WebSocket tunnel / RTMPT) and where audio comes from. The transport takes one `RtmpPlatform`;
 * `createRtmpTransport` uses the one installed last (`installRtmpPlatform`, which `installNodeRtmp`
 * calls in Node), else the browser's.
 */
import type { ByteDuplex } from '../../../protocol/rtmp/duplex';
import type { CallMediaFactory } from '../media/call-media';
import type { RtmpEndpoints } from './endpoints';
import type { Logger } from '../../../src/util/logger';

export interface RtmpPlatform {
  /** opens the byte pipe to the gateway; rejects when no carrier could open */
  openDuplex(endpoints: RtmpEndpoints, logger: Logger): Promise<ByteDuplex>;
  media: CallMediaFactory;
  /** pages served over https need wss/https tunnels */
  secure(): boolean;
}

let installed: RtmpPlatform | null = null;

/** Makes `platform` the one every later RTMP transport uses (Node: `installNodeRtmp` does it). */
export function installRtmpPlatform(platform: RtmpPlatform | null): void {
  installed = platform;
}

export function installedRtmpPlatform(): RtmpPlatform | null {
  return installed;
}
