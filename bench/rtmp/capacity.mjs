#!/usr/bin/env node
// Round-trip capacity of a SIP–RTMP gateway: how many calls it holds with audio both ways, ours against the
// original siprtmp.py (../shared/peers, Python 2.7) in the same run, driven by the same RTMP client code.
//   this process – N RTMP clients (RtmpClient over TCP): each publishes 20 ms PCMU frames carrying
//                  [call id u32][seq u32][send time u64 ns] and plays the gateway's `remote` stream;
//   gateway      – ours: the kazoo-rtmp-gateway CLI (gateway/cli.ts, --workers N) from a transpiled tree;
//                  baseline: shared/peers/siprtmp.sh (no REGISTER: empty password, direct-IP INVITEs);
//   far end      – far-end.mjs --echo: a minimal SIP UAS, and every RTP packet sent straight back.
// A frame's round trip = client publish → gateway → RTP → far end → RTP → gateway → RTMP → client.
// Steps ramp the number of calls; a step is held when all calls are up, ≥ 95 % of the window's frames came
// back and the round trip's p99 < 40 ms over a 20 s window. The ramp of each gateway stops at its first
// step not held. Everything on 127.0.0.1; every process stopped by PID; the run is bounded (≈ 6 min).
// Usage: node bench/rtmp/capacity.mjs [--workers=auto|N[,N…]] [--window-ms=20000] [--ours-steps=…] [--siprtmp-steps=…]
//        [--only=ours|siprtmp] [--budget-s=150 per gateway] [--before=DIR: also our gateway from another tree,
//        e.g. `git archive HEAD gateway protocol package.json | tar -x -C DIR` and a node_modules symlink, one process, for before/after]
// The gateway's CPU per frame here is mostly the kernel's and Node's I/O (a TCP write and read, a UDP send
// and two receives per round trip); frame-cost.mjs measures the gateway's own per-frame code, no sockets.
import { fork, spawn } from 'node:child_process';
import { createServer as createTcpServer, connect as tcpConnect } from 'node:net';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { compileGateway } from './compile.mjs';
import { framePacer, placeCall } from './bench-calls.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const WINDOW_MS = Number(arg('window-ms', 20_000));
const WORKERS = arg('workers', 'auto');
const ONLY = arg('only', '');
const BUDGET_MS = Number(arg('budget-s', 150)) * 1000; // per gateway: no new step after this
const BEFORE = arg('before', '');
const WORKER_RUNS = WORKERS.split(',').map((w) => (w === 'auto' ? cpus().length : Number(w)));
const RAMPS = WORKER_RUNS.length + (BEFORE ? 1 : 0) + (ONLY === 'ours' ? 0 : 1);
const HARD_LIMIT_MS = RAMPS * (BUDGET_MS + 45_000); // the whole run, whatever happens
const OURS_STEPS = arg('ours-steps', '150,250,300,350,400,450,500,600').split(',').map(Number);
const SIPRTMP_STEPS = arg('siprtmp-steps', '25,50,75,100,125,150').split(',').map(Number);
const HELD_BACK = 0.95;
const HELD_P99_MS = 40;
const WARM_MS = 2000;
const started = Date.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (v) => (Number.isFinite(v) ? v.toFixed(1) : '—');

const { out, load } = compileGateway(root);
const { RtmpClient, audioTagByte } = load('protocol/rtmp/index.js');
const { connectTcp } = load('protocol/rtmp/node/index.js');

// ---- processes -------------------------------------------------------------------------------------
const pids = new Set(); // every process we started, killed by PID on the way out
function killAll(signal = 'SIGKILL') {
  for (const pid of pids) {
    for (const child of childrenOf(pid)) try { process.kill(child, signal); } catch {}
    try { process.kill(pid, signal); } catch {}
  }
}
process.on('exit', () => {
  killAll();
  rmSync(out, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));
setTimeout(() => {
  console.log(`   capacity bench: hard time limit (${HARD_LIMIT_MS / 1000} s) reached, stopping`);
  process.exit(1);
}, HARD_LIMIT_MS).unref();

function childrenOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
/** CPU seconds (user + system) of a process and all its descendants */
function treeCpu(pid) {
  let total = 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {}
  for (const child of childrenOf(pid)) total += treeCpu(child);
  return total;
}

function freePort() {
  return new Promise((resolve) => {
    const s = createTcpServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
function accepts(port) {
  return new Promise((resolve) => {
    const s = tcpConnect({ host: '127.0.0.1', port });
    const done = (ok) => (s.destroy(), resolve(ok));
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}
async function untilAccepts(port, child, what, ms = 20_000) {
  const end = Date.now() + ms;
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}) before listening`);
    if (Date.now() > end) throw new Error(`${what} did not listen on ${port} within ${ms} ms`);
    await sleep(100);
  }
}

// far end over IPC (far-end.mjs), one for the whole run
const far = fork(join(here, 'far-end.mjs'), ['--echo'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
pids.add(far.pid);
const farReplies = [];
far.on('message', (m) => farReplies.shift()?.(m));
const farAsk = (msg) => new Promise((resolve) => (farReplies.push(resolve), msg && far.send(msg)));
const { sipPort } = await farAsk(null);
const TARGET = `sip:far@127.0.0.1:${sipPort}`;

/** ours from this tree with `--workers`, or (`before`) from another tree as one process, with the flags every version has */
async function startOurs(workers, before = null) {
  const port = await freePort();
  const tree = before ? before.out : out;
  const args = [join(tree, 'gateway/cli.js'), '--rtmp', `127.0.0.1:${port}`, '--http', 'off', '--sip-server', '127.0.0.1:9', '--allow-unregistered', '--direct-ip-calls',
    '--max-sessions', '5000', '--log-level', 'error', ...(before ? [] : ['--resume-grace', '0', '--workers', String(workers)])];
  // GATEWAY_CPU_PROF=<dir>: V8 CPU profiles of the gateway's processes (written when they exit)
  const prof = process.env.GATEWAY_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.GATEWAY_CPU_PROF}`] : [];
  // GATEWAY_NODE_FLAGS='--trace-gc …': more node/V8 flags for the gateway's processes (investigations)
  if (process.env.GATEWAY_NODE_FLAGS) prof.push(...process.env.GATEWAY_NODE_FLAGS.split(/\s+/).filter(Boolean));
  const child = spawn(process.execPath, [...prof, ...args], { stdio: ['ignore', process.env.GATEWAY_NODE_FLAGS ? 'inherit' : 'ignore', 'inherit'] });
  pids.add(child.pid);
  await untilAccepts(port, child, 'kazoo-rtmp-gateway');
  await sleep(300 * workers); // every worker listening (the first one answers the probe)
  const name = before ? `ours before (kazoo-rtmp-gateway from ${BEFORE}, one process)` : `ours (kazoo-rtmp-gateway, ${workers} worker${workers > 1 ? 's' : ''})`;
  return { name, port, child };
}

function siprtmpUnavailable() {
  const dir = process.env.SIPRTMP_PEERS || resolve(root, '../shared/peers');
  if (!existsSync(join(dir, 'siprtmp.sh')) || !existsSync(join(dir, 'rtmplite/siprtmp.py'))) return `no ${dir}/siprtmp.sh (set SIPRTMP_PEERS)`;
  if (process.getuid?.() !== 0) return 'siprtmp.sh needs root (unshare -m)';
  try {
    execFileSync(join(dir, 'siprtmp.sh'), ['--help'], { stdio: 'ignore', timeout: 5000 });
    const probe = 'for d in "$(pyenv root 2>/dev/null)"/versions/2.7*; do [ -x "$d/bin/python2.7" ] && exit 0; done; command -v python2.7 >/dev/null || [ -n "${PYTHON2:-}" ]';
    execFileSync('bash', ['-c', probe], { stdio: 'ignore', timeout: 5000 });
  } catch {
    return 'no working Python 2.7 (pyenv 2.7.x, python2.7 or $PYTHON2)';
  }
  return null;
}

async function startSiprtmp() {
  const dir = process.env.SIPRTMP_PEERS || resolve(root, '../shared/peers');
  const port = await freePort();
  // `--` with nothing after it: no -d, siprtmp logs nothing per call
  const child = spawn(join(dir, 'siprtmp.sh'), ['--port', String(port), '--'], { stdio: ['ignore', 'ignore', 'inherit'] });
  pids.add(child.pid);
  await untilAccepts(port, child, 'siprtmp.py');
  return { name: 'siprtmp.py (rtmplite, Python 2.7)', port, child };
}

async function stopGateway(gw) {
  const pid = gw.child.pid;
  const tree = [...childrenOf(pid).flatMap((c) => [c, ...childrenOf(c)]), pid];
  for (const p of tree) try { process.kill(p, 'SIGINT'); } catch {}
  const end = Date.now() + 4000;
  while (gw.child.exitCode === null && gw.child.signalCode === null && Date.now() < end) await sleep(50);
  for (const p of tree) try { process.kill(p, 'SIGKILL'); } catch {}
  pids.delete(pid);
}

// ---- the calls -------------------------------------------------------------------------------------
const calls = [];
let nextId = 1;
// the current window's round trips (µs) and frame count
let rtts = new Float64Array(1 << 18);
let back = 0;
let measuring = false;

async function openCall(port) {
  const id = nextId++;
  const client = new RtmpClient(await connectTcp('127.0.0.1', port));
  const call = { id, up: false, ended: false, due: 0, send: () => undefined, close: () => client.close() };
  client.on('close', () => (call.ended = true));
  let local;
  try {
    await placeCall(client, { id, target: TARGET, user: `c${id}`, ms: 20_000, onCommand: (c) => (c.name === 'byed' || c.name === 'rejected') && (call.ended = true) });
    local = await client.createStream();
    await local.publish('local');
    const remote = await client.createStream();
    remote.on('audio', (m) => {
      const data = m.tag?.data;
      if (!measuring || !data || data.length < 16) return;
      const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
      if (v.getUint32(0) !== id) return;
      if (back === rtts.length) {
        const bigger = new Float64Array(rtts.length * 2);
        bigger.set(rtts);
        rtts = bigger;
      }
      rtts[back++] = Number(process.hrtime.bigint() - v.getBigUint64(8)) / 1000;
    });
    await remote.play('remote');
  } catch (error) {
    client.close();
    throw error;
  }
  // the whole audio message (FLV tag byte + 160 bytes of PCMU), built once per call and rewritten per frame:
  // what sendG711 sends, without its copy of the frame (the chunk writer copies the message anyway)
  const message = new Uint8Array(1 + 160).fill(0xff);
  message[0] = audioTagByte('pcmu');
  const view = new DataView(message.buffer, 1);
  view.setUint32(0, id);
  let seq = 0;
  call.up = true;
  call.due = performance.now() + Math.random() * 20; // unsynchronised phases, as real clients are
  call.send = () => {
    view.setUint32(4, seq);
    view.setBigUint64(8, process.hrtime.bigint());
    local.sendAudio(message, (seq++ * 20) >>> 0); // stamped 20 ms apart, as sendG711 does
  };
  return call;
}

const { start: startSending, stop: stopSending } = framePacer(() => calls);

/** one measuring window over the calls now up */
async function measure(gw) {
  await farAsk({ cmd: 'reset' });
  back = 0;
  const gwCpu0 = treeCpu(gw.child.pid);
  const genCpu0 = process.cpuUsage();
  const t0 = performance.now();
  measuring = true;
  await sleep(WINDOW_MS);
  measuring = false;
  const wall = performance.now() - t0;
  const gen = process.cpuUsage(genCpu0);
  const far = await farAsk({ cmd: 'report' });
  const sorted = rtts.slice(0, back).sort();
  const at = (q) => (back ? sorted[Math.min(back - 1, Math.floor(q * back))] / 1000 : NaN);
  return {
    back,
    echoed: far.count,
    median: at(0.5),
    p99: at(0.99),
    gwCpu: (treeCpu(gw.child.pid) - gwCpu0) / (wall / 1000),
    genCpu: (gen.user + gen.system) / (wall * 1000),
    farCpu: far.farCpu,
    wall,
  };
}

/** the gateway's CPU time per frame that came back (each crossed it twice: RTMP→RTP and RTP→RTMP); load-independent, unlike held */
const perFrame = (r) => (r.back ? ((r.gwCpu * r.wall * 1000) / r.back).toFixed(1) : '—');

/** ramps `steps` on one gateway; returns the largest step held (0 if none) and the gateway's µs per frame there (of the first step if none) */
async function ramp(gw, steps) {
  console.log(`\n   ${gw.name}`);
  console.log('    calls  up    frames back    median ms  p99 ms  gateway CPU  clients CPU  far-end CPU  gateway µs/frame  held');
  const t0 = Date.now();
  let held = 0;
  let cost = NaN;
  startSending();
  try {
    for (const n of steps) {
      if (Date.now() - t0 > BUDGET_MS) {
        console.log(`    (time budget of ${BUDGET_MS / 1000} s reached before ${n} calls)`);
        break;
      }
      let failed = null;
      while (calls.length < n && !failed) {
        const batch = Math.min(25, n - calls.length);
        const opened = await Promise.allSettled(Array.from({ length: batch }, () => openCall(gw.port)));
        for (const o of opened) if (o.status === 'fulfilled') calls.push(o.value);
        failed = opened.find((o) => o.status === 'rejected')?.reason ?? null;
      }
      if (!failed) await sleep(WARM_MS);
      const r = await measure(gw);
      const up = calls.filter((c) => !c.ended).length;
      const expected = Math.round((n * WINDOW_MS) / 20);
      const ok = !failed && up === n && r.back >= HELD_BACK * expected && r.p99 < HELD_P99_MS;
      const pct = (x) => `${(x * 100).toFixed(0)}%`.padStart(11);
      console.log(
        `    ${String(n).padStart(5)}  ${String(up).padStart(4)}  ${String(r.back).padStart(7)}/${String(expected).padEnd(7)} ${fmt(r.median).padStart(8)}  ${fmt(r.p99).padStart(6)}  ${pct(r.gwCpu)}  ${pct(r.genCpu)}  ${pct(r.farCpu)}  ${perFrame(r).padStart(16)}  ${ok ? 'yes' : 'no'}${failed ? ` (${failed.message})` : ''}`,
      );
      if (held === 0 || ok) cost = Number(perFrame(r));
      if (!ok) break;
      held = n;
    }
  } finally {
    stopSending();
    for (const c of calls.splice(0)) c.close();
  }
  return { held, cost };
}

// ---- run -------------------------------------------------------------------------------------------
console.log(`Round-trip capacity, ours vs siprtmp.py (node ${process.version}, ${cpus().length} cores, loadavg at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}; 127.0.0.1)`);
console.log(`   each call: 20 ms PCMU both ways, echoed by the far end; held = all calls up, ≥ ${HELD_BACK * 100} % of frames back, round-trip p99 < ${HELD_P99_MS} ms over ${WINDOW_MS / 1000} s`);
console.log('   (CPU = share of one core during the window: gateway = all its processes; clients = this process with every RTMP client;');
console.log('    gateway µs/frame = its CPU time per frame that came back, each having crossed it twice)');
const results = []; // [label, held, steps]
async function measureGateway(label, starting, steps) {
  const gw = await starting;
  try {
    const { held, cost } = await ramp(gw, steps);
    results.push([label, held, steps, cost]);
  } finally {
    await stopGateway(gw);
  }
}
if (ONLY !== 'ours') {
  const why = siprtmpUnavailable();
  if (why) console.log(`\n   siprtmp.py baseline skipped: ${why}`);
  else await measureGateway('siprtmp.py', startSiprtmp(), SIPRTMP_STEPS);
}
if (ONLY !== 'siprtmp') {
  if (BEFORE) {
    const before = compileGateway(resolve(BEFORE));
    process.on('exit', () => rmSync(before.out, { recursive: true, force: true }));
    await measureGateway('ours before', startOurs(1, before), OURS_STEPS);
  }
  for (const workers of WORKER_RUNS) await measureGateway(`ours, ${workers} worker${workers > 1 ? 's' : ''}`, startOurs(workers), OURS_STEPS);
}
console.log('');
const baselineRow = results.find(([label]) => label === 'siprtmp.py');
const baseline = baselineRow?.[1];
for (const [label, held, steps, cost] of results) {
  const capped = label !== 'siprtmp.py' && held === steps[steps.length - 1] ? ' (its last step: raise the steps)' : '';
  const ratio = baseline && label !== 'siprtmp.py' ? `   ×${(held / baseline).toFixed(1)} siprtmp.py (goal ≥ ×10: ${held >= 10 * baseline ? 'met' : 'NOT met'})` : '';
  // CPU per frame: what the machine's load does not change much (held depends on it): siprtmp's ÷ ours = calls per core
  const perCore = baselineRow && label !== 'siprtmp.py' && cost > 0 ? `, ${(baselineRow[3] / cost).toFixed(1)}× less CPU per frame` : '';
  console.log(`   ${label.padEnd(16)} held ${String(held).padStart(4)} calls${capped}${ratio}   (gateway ${fmt(cost)} µs CPU per frame${perCore})`);
}
console.log(`   elapsed ${((Date.now() - started) / 1000).toFixed(0)} s`);
far.send({ cmd: 'stop' });
await sleep(200);
process.exit(0);
