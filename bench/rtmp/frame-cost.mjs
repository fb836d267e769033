#!/usr/bin/env node
// CPU per 20 ms frame of the gateway's own code, both ways, with no socket and no other process: what
// changes to per-frame work (allocation, copies) are worth, free of the kernel and of the machine's load,
// which dominate capacity.mjs. One process, rounds in turn for this tree and (--before=DIR) another tree:
//   RtmpClient.sendG711 → in-memory pipe → RtmpServerSession 'audio' → RtpLeg.sendFrame → a stand-in UDP
//   socket that echoes each packet as a new Buffer (as dgram hands one over) → RtpLeg 'message' → onFrame →
//   RtmpServerSession.sendAudio (tag byte + frame, as session.ts) → in-memory pipe → the client's 'audio'.
// Both RTMP endpoints run in this process, so a frame's cost is client + gateway code together: the
// difference between two trees is the gateway's (and the shared protocol/rtmp code's) difference.
// Usage: node bench/rtmp/frame-cost.mjs [--frames=50000] [--rounds=9] [--before=DIR]
import { EventEmitter } from 'node:events';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileGateway } from './compile.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const FRAMES = Number(arg('frames', 50_000));
const ROUNDS = Number(arg('rounds', 9));
const BEFORE = arg('before', '');

/** two ByteDuplex ends; bytes are delivered on a microtask, as a socket would on a later turn */
function duplexPair() {
  const make = () => ({ onData: null, onClose: null, peer: null, bufferedAmount: 0, write(bytes) { const peer = this.peer; queueMicrotask(() => peer.onData?.(bytes)); }, close() {} });
  const a = make();
  const b = make();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** what RtpLeg needs of a dgram socket: each packet sent comes back as a fresh Buffer (the far end echoes) */
class EchoSocket extends EventEmitter {
  send(bytes) {
    const copy = Buffer.from(bytes); // the kernel's copy, then dgram's new Buffer
    queueMicrotask(() => this.emit('message', copy, { address: '127.0.0.1', port: 40000, family: 'IPv4', size: copy.length }));
  }
  getSendQueueCount() {
    return 0;
  }
  address() {
    return { address: '127.0.0.1', port: 40002, family: 'IPv4' };
  }
  close() {}
}

const SDP = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\r\n');

/** builds one tree's pipeline; returns a function that runs one round and resolves with µs of CPU per frame */
async function pipeline(tree) {
  const { out, load } = compileGateway(tree);
  process.on('exit', () => rmSync(out, { recursive: true, force: true }));
  const { RtmpClient, RtmpServerSession, audioTagByte } = load('protocol/rtmp/index.js');
  const { RtpLeg } = load('gateway/rtp-leg.js');
  const [clientEnd, serverEnd] = duplexPair();
  const server = new RtmpServerSession(serverEnd, { onConnect: () => ({ accept: true }) });
  const client = new RtmpClient(clientEnd);
  const leg = new RtpLeg(new EchoSocket(), '127.0.0.1');
  if (!leg.applyAnswer(SDP)) throw new Error('the stand-in SDP answer was refused');
  server.on('audio', ({ tag }) => tag && leg.sendFrame(tag.codec, tag.data));
  const audioOut = new Uint8Array(161);
  leg.onFrame = (frame) => {
    audioOut[0] = audioTagByte(frame.codec);
    audioOut.set(frame.payload, 1);
    server.sendAudio(audioOut, frame.timeMs);
  };
  await client.connect('rtmp://127.0.0.1/sip/bench@bench.test', 'bench', '', 'Bench', 'narrowband');
  const local = await client.createStream();
  await local.publish('local');
  const remote = await client.createStream();
  let back = 0;
  remote.on('audio', () => back++);
  await remote.play('remote');
  const frame = new Uint8Array(160).fill(0xff);
  return async () => {
    back = 0;
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < FRAMES; i++) {
      local.sendG711('pcmu', frame);
      if ((i & 63) === 63) await new Promise((r) => setImmediate(r)); // let the pipes drain, as event-loop turns would
    }
    while (back < FRAMES) await new Promise((r) => setImmediate(r));
    const cpu = process.cpuUsage(cpu0);
    return (cpu.user + cpu.system) / FRAMES;
  };
}

console.log(`Per-frame CPU of the RTMP ⇄ RTP path in one process, no sockets (node ${process.version}; rounds of ${FRAMES} frames, the trees in turn)`);
const trees = [['this tree', await pipeline(root)], ...(BEFORE ? [['before', await pipeline(resolve(BEFORE))]] : [])];
const results = trees.map(() => []);
for (let round = 0; round < ROUNDS; round++) for (const [i, [, run]] of trees.entries()) results[i].push(await run());
for (const [i, [label]] of trees.entries()) {
  const sorted = results[i].sort((a, b) => a - b);
  console.log(`   ${label.padEnd(10)} ${sorted[Math.floor(sorted.length / 2)].toFixed(2)} µs CPU per round-trip frame (median of ${ROUNDS} rounds; min ${sorted[0].toFixed(2)}, max ${sorted[sorted.length - 1].toFixed(2)})`);
}
process.exit(0);
