// JsSIP's RTCSession in plain Node for the tests: the product's shims (transports/webrtc/node-webrtc.ts,
// `kazoo-js/node`'s installNodeWebRTC: PCMU only, 127.0.0.1 host candidates, a 440 Hz tone microphone),
// installed once per test file, with the peer connections kept so a test can close them all.

import WebSocket from 'ws';
import * as werift from 'werift';
import { installNodeWebRTC, type NodeWebRTC } from '../../../transports/webrtc/node-webrtc';

// werift's DTLS retransmits its flights with `setTimeout` from node:timers/promises and does not stop
// when the peer connection closes mid-handshake (a call ended right after it was answered); its ~30 s
// of backoff would keep jest alive. Make those timers unref'd (the module object is shared, so patch it).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const timersPromises = require('node:timers/promises') as { setTimeout: (ms?: number, value?: unknown, o?: { ref?: boolean }) => Promise<unknown> };
const realPromiseTimeout = timersPromises.setTimeout;
timersPromises.setTimeout = (ms, value, o) => realPromiseTimeout(ms, value, { ...o, ref: false });

/** Every peer connection created, so a test can close them all. */
export const peerConnections: werift.RTCPeerConnection[] = [];
let node: NodeWebRTC | undefined;

export function installWeriftShims(): void {
  if (node) return;
  node = installNodeWebRTC({ WebSocket, werift });
  node.onPeerConnection((pc) => peerConnections.push(pc as unknown as werift.RTCPeerConnection));
}

/** Stop every tone generator (afterAll). */
export function stopTones(): void {
  node?.stopTones();
}

/** Count RTP payload bytes (one per μ-law sample) of the remote audio of `pc`. */
export function onRemoteAudio(pc: werift.RTCPeerConnection, cb: (bytes: number) => void): void {
  if (!node) throw new Error('installWeriftShims() first');
  node.onRemoteAudio(pc as unknown as globalThis.RTCPeerConnection, (samples) => cb(samples.length));
}
