#!/usr/bin/env node
// The SIP–RTMP gateway end to end on 127.0.0.1, three processes:
//   this one   – RTMP clients (RtmpClient over TCP, the WebSocket tunnel or RTMPT) publishing 20 ms PCMU frames;
//   gateway    – createRtmpGateway() in a child process (gateway-child.mjs), directIpCalls + unregistered logins;
//   far end    – a minimal SIP UAS over UDP plus a raw UDP RTP sink in another child (far-end.mjs).
// Each frame carries its send time (CLOCK_MONOTONIC ns, shared by all processes), so the sink measures the
// true one-way delay client publish → far end; nothing is halved.
// 1. one-way latency per transport (one call); 2. baselines measured in this run; 3. concurrent-call ramp
// until p99 ≥ 20 ms or a cap. Whole run bounded (~3–4 min).
// Usage: node bench/rtmp/gateway-bench.mjs [--frames=250] [--steps=50,100,200,300,500,700,1000] [--measure-ms=4000] [--keep-going]
import { fork } from 'node:child_process';
import { createServer as createTcpServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { createRequire } from 'node:module';
import { rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { compileGateway } from './compile.mjs';
import { framePacer, placeCall } from './bench-calls.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const FRAMES = Number(arg('frames', 250));
const STEPS = arg('steps', '50,100,200,300,500,700,1000').split(',').map(Number);
const MEASURE_MS = Number(arg('measure-ms', 4000));
const KEEP_GOING = process.argv.includes('--keep-going'); // ramp on past the first failing step (CPU scaling), stop on loss > 5 %
const WARM_MS = 1000;
const BUDGET_MS = 270_000; // the ramp stops starting new steps after this (whole bench ≤ 5 min)
const TARGET_P99_MS = 20;
const started = Date.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (v) => (Number.isFinite(v) ? v.toFixed(2) : '—');

const { out, load } = compileGateway(root);
const { RtmpClient, RtmpServerSession, encodeG711AudioMessage } = load('protocol/rtmp/index.js');
const { connectTcp, TcpDuplex } = load('protocol/rtmp/node/index.js');
const { connectWebSocket, openRtmpt } = load('protocol/rtmp/tunnel/index.js');
const { WebSocket } = createRequire(join(root, 'package.json'))('ws');

// ---- child processes -------------------------------------------------------------------------------
function start(script, args) {
  // GATEWAY_CPU_PROF=<dir>: V8 CPU profile of the gateway process (written when it exits)
  const prof = script === 'gateway-child.mjs' && process.env.GATEWAY_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.GATEWAY_CPU_PROF}`] : [];
  const child = fork(join(here, script), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: prof });
  const queue = [];
  const early = [];
  child.on('message', (m) => {
    const waiter = queue.shift();
    if (waiter) waiter(m);
    else early.push(m);
  });
  const next = (ms = 20_000) =>
    early.length ? Promise.resolve(early.shift()) : new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${script}: no reply in ${ms} ms`)), ms);
      queue.push((m) => (clearTimeout(timer), resolve(m)));
    });
  return { child, next, ask: (msg, ms) => (child.send(msg), next(ms)) };
}
const gw = start('gateway-child.mjs', [out]);
const far = start('far-end.mjs', []);
// On any failure (a rejected top-level await exits the process): kill both children by PID, drop the temp tree.
process.on('exit', () => {
  for (const c of [gw, far]) if (c.child.exitCode === null && c.child.pid) process.kill(c.child.pid, 'SIGKILL');
  rmSync(out, { recursive: true, force: true });
});
const { addresses } = await gw.next();
const { sipPort, rtpPort } = await far.next();
const target = `sip:far@127.0.0.1:${sipPort}`;

const children = [gw, far];
let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const call of calls.splice(0)) call.close();
  for (const c of children) {
    if (c.child.connected) await c.ask({ cmd: 'stop' }, 5000).catch(() => undefined);
  }
  await sleep(100);
  for (const c of children) if (c.child.exitCode === null && c.child.pid) process.kill(c.child.pid, 'SIGKILL');
  rmSync(out, { recursive: true, force: true });
}
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

// ---- one bridged call ------------------------------------------------------------------------------
const calls = [];
let nextId = 1;
let clientDrops = 0;
async function openCall(kind) {
  const id = nextId++;
  const duplex = kind === 'tcp' ? await connectTcp(addresses.rtmp.host, addresses.rtmp.port) : kind === 'ws' ? await connectWebSocket(addresses.wsUrl, WebSocket) : await openRtmpt(addresses.rtmptUrl);
  const client = new RtmpClient(duplex);
  await placeCall(client, { id, target });
  const local = await client.createStream();
  await local.publish('local');
  const frame = new Uint8Array(160).fill(0xff);
  const view = new DataView(frame.buffer);
  view.setUint32(0, id);
  let seq = 0;
  const call = {
    id,
    due: performance.now() + Math.random() * 20, // unsynchronised phases, as real clients are
    send() {
      view.setUint32(4, seq++);
      view.setBigUint64(8, process.hrtime.bigint());
      if (!local.sendG711('pcmu', frame)) clientDrops++;
    },
    close() {
      try {
        client.notify('bye');
      } catch {}
      client.close();
    },
  };
  calls.push(call);
  return call;
}

const { start: startSending, stop: stopSending } = framePacer(() => calls);

async function window(ms) {
  await far.ask({ cmd: 'reset' });
  await gw.ask({ cmd: 'cpu' });
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const before = clientDrops;
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  await sleep(ms);
  loop.disable();
  const used = process.cpuUsage(cpu0);
  const genCpu = (used.user + used.system) / ((performance.now() - wall0) * 1000);
  await sleep(60); // frames in flight
  const report = await far.ask({ cmd: 'report' });
  const gateway = await gw.ask({ cmd: 'cpu' });
  return { ...report, gatewayCpu: gateway.cpu, gatewayRss: gateway.rss, stats: gateway.stats, loopP99: loop.percentile(99) / 1e6, genCpu, drops: clientDrops - before };
}

// ---- 1. one-way latency per transport ----------------------------------------------------------------
const host = `node ${process.version}, ${cpus().length} cores, loadavg at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
console.log(`SIP–RTMP gateway benchmark (${host}; 127.0.0.1; gateway and far end in child processes)`);
console.log(`\n1. One-way audio delay client publish → far-end RTP sink, one call, ${FRAMES} frames of 20 ms (true one-way, send time in the payload)`);
const latency = {};
startSending();
for (const [kind, name] of [['tcp', 'TCP'], ['ws', 'WebSocket tunnel'], ['rtmpt', 'RTMPT']]) {
  const call = await openCall(kind);
  await sleep(300);
  const r = await window(FRAMES * 20);
  call.close();
  calls.splice(calls.indexOf(call), 1);
  latency[kind] = r;
  console.log(`   ${name.padEnd(17)} median ${fmt(r.median)} ms   p99 ${fmt(r.p99)} ms   max ${fmt(r.max)} ms   (${r.count}/${FRAMES} frames, lost ${r.lost})`);
}
stopSending();

// ---- 2. baselines -----------------------------------------------------------------------------------
console.log(`\n2. Baselines, same run`);
// (a) raw UDP: the same 160-byte frame straight to the far-end sink (measurement floor: one process hop)
const udp = createSocket('udp4');
await new Promise((r) => udp.bind(0, '127.0.0.1', r));
{
  await far.ask({ cmd: 'reset' });
  const packet = Buffer.alloc(12 + 160, 0xff);
  packet[0] = 0x80;
  packet[1] = 0;
  for (let i = 0; i < FRAMES; i++) {
    packet.writeUInt32BE(0xffff0000, 12);
    packet.writeUInt32BE(i, 16);
    packet.writeBigUInt64BE(process.hrtime.bigint(), 20);
    udp.send(packet, rtpPort, '127.0.0.1');
    await sleep(20);
  }
  await sleep(60);
  latency.udp = await far.ask({ cmd: 'report' });
  udp.close();
}
console.log(`   raw UDP → sink   median ${fmt(latency.udp.median)} ms   p99 ${fmt(latency.udp.p99)} ms   (no gateway, no RTMP: the measurement floor)`);
// (b) RTMP over TCP alone (transport-latency.mjs's approach): client → RtmpServerSession, no SIP/RTP
{
  const sessions = [];
  const tcp = createTcpServer((socket) => sessions.push(new RtmpServerSession(new TcpDuplex(socket), { onConnect: () => ({ accept: true }) })));
  await new Promise((r) => tcp.listen(0, '127.0.0.1', r));
  const client = new RtmpClient(await connectTcp('127.0.0.1', tcp.address().port));
  await client.connect('rtmp://127.0.0.1/sip/baseline@bench.test');
  const stream = await client.createStream();
  await stream.publish('local');
  const sent = new Map();
  const delays = [];
  sessions[0].on('audio', (m) => delays.push(performance.now() - sent.get(m.timestamp)));
  const frame = new Uint8Array(160).fill(0xff);
  for (let i = 0; i < FRAMES; i++) {
    sent.set(i * 20, performance.now());
    stream.sendAudio(encodeG711AudioMessage('pcmu', frame), i * 20);
    await sleep(20);
  }
  await sleep(100);
  client.close();
  tcp.close();
  const sorted = delays.sort((a, b) => a - b);
  latency.rtmp = { median: sorted[Math.floor(sorted.length / 2)], p99: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))], count: sorted.length };
}
console.log(`   RTMP/TCP only    median ${fmt(latency.rtmp.median)} ms   p99 ${fmt(latency.rtmp.p99)} ms   (client → RtmpServerSession in this process, no gateway)`);
console.log(`   ratios, gateway median / baseline:`);
for (const [kind, name] of [['tcp', 'TCP'], ['ws', 'WebSocket tunnel'], ['rtmpt', 'RTMPT']]) {
  const m = latency[kind].median;
  console.log(`     ${name.padEnd(17)} ×${(m / latency.udp.median).toFixed(1)} raw UDP, ×${(m / latency.rtmp.median).toFixed(1)} RTMP/TCP alone, +${fmt(m - latency.rtmp.median)} ms over RTMP/TCP alone`);
}

// ---- 3. concurrent calls ----------------------------------------------------------------------------
console.log(`\n3. Concurrent bridged calls over TCP (each 20 ms PCMU frames; delay at the far-end sink; ${MEASURE_MS} ms windows; target p99 < ${TARGET_P99_MS} ms)`);
console.log(`   calls  frames   lost  median ms  p99 ms  max ms  gw CPU  gw RSS MB  gen CPU  far CPU  client drops  gen loop p99 ms  loadavg1`);
const rows = [];
let maxOk = 0;
startSending();
try {
  for (const n of STEPS) {
    if (Date.now() - started > BUDGET_MS) {
      console.log(`   (time budget reached before N=${n})`);
      break;
    }
    while (calls.length < n) {
      const batch = Math.min(25, n - calls.length);
      await Promise.all(Array.from({ length: batch }, () => openCall('tcp')));
    }
    await sleep(WARM_MS);
    const r = await window(MEASURE_MS);
    const expected = Math.round((n * MEASURE_MS) / 20);
    rows.push({ n, ...r });
    console.log(
      `   ${String(n).padStart(5)}  ${String(r.count).padStart(6)}/${expected}  ${String(r.lost).padStart(5)}  ${fmt(r.median).padStart(9)}  ${fmt(r.p99).padStart(6)}  ${fmt(r.max).padStart(6)}  ${(r.gatewayCpu * 100).toFixed(0).padStart(5)}%  ${(r.gatewayRss / 1e6).toFixed(0).padStart(9)}  ${(r.genCpu * 100).toFixed(0).padStart(6)}%  ${(r.farCpu * 100).toFixed(0).padStart(6)}%  ${String(r.drops).padStart(12)}  ${fmt(r.loopP99).padStart(15)}  ${loadavg()[0].toFixed(2)}`,
    );
    const delivered = r.count >= 0.95 * expected;
    const ok = r.p99 < TARGET_P99_MS && delivered;
    rows[rows.length - 1].ok = ok;
    if (rows.every((x) => x.ok)) maxOk = n; // the largest N of the unbroken passing run from the bottom
    if (!ok && (!KEEP_GOING || !delivered)) break;
  }
} catch (error) {
  console.log(`   ramp stopped: ${error.message} (with ${calls.length} calls open)`);
}
stopSending();
console.log(`   (CPU = share of one core per process during the window; gen = this load generator with every RTMP client; far = SIP UAS + RTP sink)`);
console.log(`\n   max concurrent calls with p99 < ${TARGET_P99_MS} ms and ≥ 95 % of frames delivered: ${maxOk} (target ≥ 500: ${maxOk >= 500 ? 'met' : 'NOT met'}${maxOk === STEPS[STEPS.length - 1] ? ', cap reached' : ''})`);
console.log(`   elapsed ${((Date.now() - started) / 1000).toFixed(0)} s`);
await cleanup();
