#!/usr/bin/env node
// One-way audio latency of the RTMP transports alone (no SIP, no jitter buffer), client and server in one
// process on 127.0.0.1: a 161-byte audio message every 20 ms, each way, over TCP, the WebSocket tunnel
// and RTMPT. Usage: node bench/rtmp/transport-latency.mjs [frames=150]
import { createServer as createTcpServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { createRequire } from 'node:module';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileProtocol } from './compile.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'package.json'));
const { WebSocket, WebSocketServer } = require('ws');
const { out, load } = compileProtocol(root, ['rtmp']);
const { RtmpClient, RtmpServerSession, encodeG711AudioMessage } = load('rtmp/index.js');
const { TcpDuplex, connectTcp, createRtmptHttpHandler } = load('rtmp/node/index.js');
const { WebSocketDuplex, connectWebSocket, RtmptServer, openRtmpt } = load('rtmp/tunnel/index.js');

const FRAMES = Number(process.argv[2] ?? 150);
const now = () => performance.now();

function newSession(duplex, sessions) {
  const session = new RtmpServerSession(duplex, { onConnect: () => ({ accept: true }) });
  sessions.push(session);
  return session;
}

async function measure(name, openClient, sessions) {
  const client = new RtmpClient(await openClient());
  await client.connect('rtmp://127.0.0.1/sip/bench@example.com');
  const session = sessions[sessions.length - 1];
  const local = await client.createStream();
  const remote = await client.createStream();
  await local.publish('local');
  await remote.play('remote');
  const sentUp = new Map();
  const sentDown = new Map();
  const up = [];
  const down = [];
  session.on('audio', (m) => up.push(now() - sentUp.get(m.timestamp)));
  remote.on('audio', (m) => down.push(now() - sentDown.get(m.timestamp)));
  const frame = new Uint8Array(160).fill(0xff);
  for (let i = 0; i < FRAMES; i++) {
    const timestamp = i * 20;
    sentUp.set(timestamp, now());
    local.sendAudio(encodeG711AudioMessage('pcmu', frame), timestamp);
    sentDown.set(timestamp, now());
    session.sendAudio(encodeG711AudioMessage('pcmu', frame), timestamp);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  client.close();
  const stats = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    return `median ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms (${sorted.length}/${FRAMES})`;
  };
  console.log(`${name.padEnd(18)} up: ${stats(up)}   down: ${stats(down)}`);
}

const sessions = [];
const tcp = createTcpServer((socket) => newSession(new TcpDuplex(socket), sessions));
await new Promise((resolve) => tcp.listen(0, '127.0.0.1', resolve));
const http = createHttpServer();
const wss = new WebSocketServer({ server: http, path: '/rtmp' });
wss.on('connection', (socket) => newSession(new WebSocketDuplex(socket), sessions));
const rtmpt = new RtmptServer({ onSession: (duplex) => newSession(duplex, sessions) });
const handleRtmpt = createRtmptHttpHandler(rtmpt, { pathPrefix: '/rtmpt' });
http.on('request', (req, res) => void (handleRtmpt(req, res) || res.writeHead(404).end()));
await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
const httpPort = http.address().port;

console.log(`RTMP transport one-way latency, ${FRAMES} frames of 20 ms each way (node ${process.version}, loopback)`);
await measure('TCP', () => connectTcp('127.0.0.1', tcp.address().port), sessions);
await measure('WebSocket tunnel', () => connectWebSocket(`ws://127.0.0.1:${httpPort}/rtmp`, WebSocket), sessions);
await measure('RTMPT (20 ms poll)', () => openRtmpt(`http://127.0.0.1:${httpPort}/rtmpt`), sessions);

rtmpt.close();
wss.close();
http.closeAllConnections();
http.close();
tcp.close();
rmSync(out, { recursive: true, force: true });
