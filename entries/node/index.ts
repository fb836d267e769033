/**
 * Runs kazoo-js in Node 20 (`kazoo-js/node`): WebRTC through werift and `ws` (installNodeWebRTC), or
 * RTMP over TCP to the gateway with a PCMU audio source/sink instead of devices (installNodeRtmp).
 *
 *   import WebSocket from 'ws';
 *   import * as werift from 'werift';
 *   import { installNodeWebRTC } from 'kazoo-js/node';
 *   const node = installNodeWebRTC({ WebSocket, werift });
 *   node.onPeerConnection((pc) => node.onRemoteAudio(pc, (samples) => …));
 */
export { installNodeWebRTC } from '../../transports/webrtc/node-webrtc';
export type { NodeWebRTC, NodeWebRTCOptions } from '../../transports/webrtc/node-webrtc';
export { installNodeRtmp, toneSource } from '../../transports/rtmp/adapter/node';
export type { NodeAudio } from '../../transports/rtmp/adapter/node';
