/**
 * The RTMP transport in Node: TCP to the gateway (rtmp://, port 1935 by default; rtmpt:// over
 * RTMPT with Node's fetch) and audio from a source/sink instead of devices.
 *
 *   import { installNodeRtmp, toneSource } from 'kazoo-js/…/transports/rtmp/adapter/node';
 *   installNodeRtmp({ audio: { source: toneSource(440), sink: (pcmu) => … } });
 *   createKazoo({ transports: { rtmp: createRtmpTransport } });
 */
import { connectTcp } from '../../../protocol/rtmp/node/tcp-duplex';
import { openRtmpt } from '../../../protocol/rtmp/tunnel/rtmpt-duplex';
import type { ByteDuplex } from '../../../protocol/rtmp/duplex';
import type { RtmpEndpoints } from './endpoints';
import { installRtmpPlatform, type RtmpPlatform } from './platform';
import { nodeAudioMedia, type NodeAudio } from '../media/node-audio';

export interface NodeRtmpOptions {
  audio?: NodeAudio;
  /** TCP connect timeout (default 5 s) */
  connectTimeoutMs?: number;
}

export function nodeRtmpPlatform(options: NodeRtmpOptions = {}): RtmpPlatform {
  const audio: NodeAudio = { ...options.audio };
  return {
    openDuplex: (endpoints: RtmpEndpoints): Promise<ByteDuplex> =>
      endpoints.protocol === 'rtmpt' || endpoints.protocol === 'rtmpts'
        ? openRtmpt(endpoints.rtmptUrl)
        : connectTcp(endpoints.host, endpoints.port, { timeoutMs: options.connectTimeoutMs ?? 5000 }),
    media: nodeAudioMedia(audio),
    secure: () => false,
  };
}

/** Makes every RTMP transport created from now on use TCP and `options.audio`. */
export function installNodeRtmp(options: NodeRtmpOptions = {}): RtmpPlatform {
  const platform = nodeRtmpPlatform(options);
  installRtmpPlatform(platform);
  return platform;
}

export { toneSource } from '../media/node-audio';
export type { NodeAudio } from '../media/node-audio';
