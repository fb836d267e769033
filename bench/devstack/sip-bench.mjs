#!/usr/bin/env node
// Benchmark of the development SIP server (devstack/sip-server) with sipp as the load, optionally side
// by side with the lab's Kamailio (fixtures/lab) in the same run:
//   * registrations/s: REGISTER + 401 + REGISTER(credentials) + 200 (a refresh of one binding);
//   * call set-ups/s: a sipp UAC calls a registered sipp UAS through the server (INVITE, 100, 180,
//     200, ACK, BYE, 200; the dev server also challenges the INVITE with 407, the lab trusts UDP);
//   * memory per registration (dev server only): heap growth for M distinct registered users (sipp cannot
//     take per-call credentials, so this load is a small in-process UDP client computing digests).
//
//   node bench/devstack/sip-bench.mjs [--registrations 3000] [--calls 1000] [--concurrency 20]
//                                     [--memory-users 5000] [--kamailio | --kamailio-at 127.0.0.1:5060]
//                                     [--json out.json]
//
// --kamailio re-runs itself inside a private network namespace (fixtures/lab/netns-run.sh, needs root)
// so the lab's fixed ports (5060, 8088) never clash with anything else, starts Kamailio with
// fixtures/lab/start.sh (LAB_RTPENGINE=0: signalling only, LAB_RUN_DIR in a temp dir) and stops it with
// stop.sh. --kamailio-at uses a lab that is already running (bench/run.sh starts one inside its own
// namespace). Every sipp is started with -m and -timeout and killed by PID if it outlives its phase.

import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const SERVER_SIPP = join(ROOT, 'devstack', 'sip-server', 'sipp');
const LAB = join(ROOT, 'fixtures', 'lab');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const N_REG = Number(opt('registrations', 3000));
const N_CALLS = Number(opt('calls', 1000));
// sipp -l: outstanding calls. Far above ~20, answers on loopback take > T1 (500 ms) under this load and
// the retransmissions confuse sipp's UAS (it aborts a call on a repeated INVITE), which measures sipp.
const CONC = Number(opt('concurrency', 20));
const MEM_USERS = Number(opt('memory-users', 5000));
const KAMAILIO_AT = opt('kamailio-at', undefined);
const WITH_KAMAILIO = args.includes('--kamailio') || KAMAILIO_AT !== undefined;
const JSON_OUT = opt('json', undefined);

if (WITH_KAMAILIO && !KAMAILIO_AT && process.env.KZ_BENCH_IN_NETNS !== '1') {
  const r = spawnSync(join(LAB, 'netns-run.sh'), [process.execPath, fileURLToPath(import.meta.url), ...args], {
    stdio: 'inherit', env: { ...process.env, KZ_BENCH_IN_NETNS: '1' },
  });
  process.exit(r.status ?? 1);
}

register(join(ROOT, 'devstack', 'sip-server', 'bin', 'ts-hooks.mjs'), import.meta.url);
const { createDevSipServer } = await import(join(ROOT, 'devstack', 'sip-server', 'index.ts'));

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const scratch = mkdtempSync(join(tmpdir(), 'kzdev-bench-'));
const children = new Set();
const log = (...a) => console.log('[bench]', ...a);

function sipp(scenario, sippArgs, timeoutSec = 120) {
  const full = ['-sf', scenario, '-i', '127.0.0.1', '-nostdin', '-timeout', `${timeoutSec}s`, '-timeout_error', ...sippArgs];
  const child = spawn('sipp', full, { cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout.on('data', (d) => (out = (out + d).slice(-20000)));
  child.stderr.on('data', (d) => (out = (out + d).slice(-20000)));
  const t0 = process.hrtime.bigint();
  const done = new Promise((resolve) => child.on('exit', (code) => {
    children.delete(child);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const ok = Number(/Successful call\s*\|\s*\d+\s*\|\s*(\d+)/.exec(out)?.[1] ?? NaN);
    const failed = Number(/Failed call\s*\|\s*\d+\s*\|\s*(\d+)/.exec(out)?.[1] ?? NaN);
    resolve({ code, ms, ok, failed, out });
  }));
  return { child, done };
}

function killAll() {
  for (const c of children) if (c.exitCode === null) process.kill(c.pid, 'SIGKILL');
}

function freeUdpPort() {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** REGISTER throughput against `server` ("127.0.0.1:port") in `domain`; `n` registrations. */
async function registrations(server, domain, n = N_REG) {
  const r = await sipp(join(HERE, 'sipp', 'register-load.xml'), [
    '-s', '1001', '-au', '1001', '-ap', 'secret1001', '-key', 'domain', domain, '-p', String(await freeUdpPort()),
    '-m', String(n), '-r', '100000', '-rp', '1000', '-l', String(CONC), server,
  ]).done;
  return { n, ms: r.ms, ok: r.ok, failed: r.failed, perSec: (r.ok / r.ms) * 1000, code: r.code };
}

/** Call set-up throughput: sipp UAS registered as 1006, sipp UAC as 1007 calls it N times. */
async function calls(server, domain, uacScenario, uacArgs) {
  const uasPort = await freeUdpPort();
  const reg = await sipp(join(HERE, 'sipp', 'register-load.xml'), [
    '-s', '1006', '-au', '1006', '-ap', 'secret1006', '-key', 'domain', domain, '-p', String(uasPort), '-m', '1', server,
  ]).done;
  if (reg.code !== 0) throw new Error(`UAS registration failed:\n${reg.out.slice(-2000)}`);
  const uas = sipp(join(SERVER_SIPP, 'uas-answer.xml'), ['-p', String(uasPort), '-m', String(N_CALLS)]);
  await new Promise((r) => setTimeout(r, 300));
  const uac = await sipp(uacScenario, [
    '-s', '1006', ...uacArgs, '-p', String(await freeUdpPort()), '-m', String(N_CALLS), '-r', '100000', '-rp', '1000',
    '-l', String(CONC), '-d', '0', server,
  ]).done;
  const uasResult = await Promise.race([uas.done, new Promise((r) => setTimeout(() => r({ code: 'timeout' }), 5000))]);
  if (uasResult.code === 'timeout') process.kill(uas.child.pid, 'SIGKILL');
  return { n: N_CALLS, ms: uac.ms, ok: uac.ok, failed: uac.failed, perSec: (uac.ok / uac.ms) * 1000, code: uac.code, uasCode: uasResult.code };
}

async function devServer() {
  const server = createDevSipServer({
    logLevel: 'warn',
    limits: { maxTransactions: 500_000, maxRegistrations: 100_000, maxDialogs: 100_000 },
  });
  const info = await server.start();
  const target = `127.0.0.1:${info.udp.port}`;
  log(`dev server at ${target}`);
  // warm-up (JIT, the TypeScript loader's first compilations), not measured
  await registrations(target, 'kazoo.test', 500);
  const cpu0 = process.cpuUsage();
  const reg = await registrations(target, 'kazoo.test');
  const cpu1 = process.cpuUsage(cpu0);
  log(`dev server: ${reg.ok}/${reg.n} registrations in ${reg.ms.toFixed(0)} ms = ${reg.perSec.toFixed(0)}/s (failed ${reg.failed}), Node CPU ${((cpu1.user + cpu1.system) / 1000 / reg.ok).toFixed(3)} ms per registration`);
  const cpu2 = process.cpuUsage();
  const call = await calls(target, 'kazoo.test', join(SERVER_SIPP, 'uac-call.xml'), ['-key', 'caller', '1007', '-au', '1007', '-ap', 'secret1007']);
  const cpu3 = process.cpuUsage(cpu2);
  log(`dev server: ${call.ok}/${call.n} calls in ${call.ms.toFixed(0)} ms = ${call.perSec.toFixed(0)} call set-ups/s (failed ${call.failed}), Node CPU ${((cpu3.user + cpu3.system) / 1000 / call.ok).toFixed(3)} ms per call`);
  await server.stop();
  return { registrations: reg, calls: call };
}

/** Register `users` (password secret<user>) over UDP with digest auth, `CONC` at a time. */
async function registerMany(port, users) {
  const md5 = (t) => createHash('md5').update(t).digest('hex');
  const sock = createSocket('udp4');
  await new Promise((r) => sock.bind(0, '127.0.0.1', r));
  const lport = sock.address().port;
  const waiting = new Map();
  const send = (user, callId, cseq, auth) => {
    const msg = [
      'REGISTER sip:kazoo.test SIP/2.0', `Via: SIP/2.0/UDP 127.0.0.1:${lport};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      'Max-Forwards: 70', `From: <sip:${user}@kazoo.test>;tag=${callId}`, `To: <sip:${user}@kazoo.test>`, `Call-ID: ${callId}`,
      `CSeq: ${cseq} REGISTER`, `Contact: <sip:${user}@127.0.0.1:${lport}>`, 'Expires: 600', ...(auth ? [auth] : []), 'Content-Length: 0', '', '',
    ].join('\r\n');
    sock.send(msg, port, '127.0.0.1');
  };
  sock.on('message', (buf) => {
    const text = buf.toString();
    const callId = /\r\nCall-ID: *(\S+)/i.exec(text)?.[1];
    const w = waiting.get(callId);
    if (!w) return;
    const status = Number(text.slice(8, 11));
    if (status === 401 && !w.challenged) {
      w.challenged = true;
      const nonce = /nonce="([^"]+)"/.exec(text)[1];
      const ha1 = md5(`${w.user}:kazoo.test:secret${w.user}`);
      const response = md5(`${ha1}:${nonce}:00000001:c:auth:${md5('REGISTER:sip:kazoo.test')}`);
      send(w.user, callId, 2, `Authorization: Digest username="${w.user}", realm="kazoo.test", nonce="${nonce}", uri="sip:kazoo.test", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="c"`);
    } else if (status >= 200) {
      waiting.delete(callId);
      w.resolve(status);
    }
  });
  let ok = 0;
  let next = 0;
  const worker = async () => {
    while (next < users.length) {
      const user = users[next++];
      const callId = `mem-${user}`;
      const status = await new Promise((resolve) => {
        waiting.set(callId, { user, resolve, challenged: false });
        send(user, callId, 1);
        setTimeout(() => resolve(0), 5000).unref();
      });
      if (status === 200) ok++;
    }
  };
  await Promise.all(Array.from({ length: CONC }, worker));
  sock.close();
  return ok;
}

async function memoryPerRegistration() {
  const first = 20001;
  const users = Array.from({ length: MEM_USERS }, (_, i) => String(first + i));
  // short T1: the UDP transactions of the load are gone (64*T1) before the heap is measured
  const server = createDevSipServer({
    logLevel: 'warn', addUsers: [`${first}-${first + MEM_USERS - 1}`], timers: { t1: 10 },
    limits: { maxTransactions: 500_000, maxRegistrations: 100_000 },
  });
  const info = await server.start();
  gc();
  await new Promise((r) => setTimeout(r, 200));
  gc();
  const before = process.memoryUsage();
  const ok = await registerMany(info.udp.port, users);
  await new Promise((r2) => setTimeout(r2, 1500));
  gc();
  const after = process.memoryUsage();
  const registered = server.stats().registrations;
  await server.stop();
  const perReg = (after.heapUsed - before.heapUsed) / registered;
  log(`memory: ${registered} registrations (${ok} answered 200), heap +${((after.heapUsed - before.heapUsed) / 1048576).toFixed(1)} MiB = ${(perReg / 1024).toFixed(2)} KiB per registration, RSS +${((after.rss - before.rss) / 1048576).toFixed(1)} MiB`);
  return { registrations: registered, heapBytesPerRegistration: Math.round(perReg), rssDeltaBytes: after.rss - before.rss };
}

async function kamailio() {
  const env = { ...process.env, LAB_RUN_DIR: join(scratch, 'lab'), LAB_RTPENGINE: '0' };
  if (!KAMAILIO_AT) {
    const start = spawnSync(join(LAB, 'start.sh'), [], { env, encoding: 'utf8' });
    if (start.status !== 0) throw new Error(`lab start.sh failed:\n${start.stdout}${start.stderr}`);
  }
  const target = KAMAILIO_AT ?? '127.0.0.1:5060';
  log(`kamailio (lab) at ${target}`);
  try {
    await registrations(target, 'lab.test', 500); // warm-up, as for the dev server
    const reg = await registrations(target, 'lab.test');
    log(`kamailio: ${reg.ok}/${reg.n} registrations in ${reg.ms.toFixed(0)} ms = ${reg.perSec.toFixed(0)}/s (failed ${reg.failed})`);
    const call = await calls(target, 'lab.test', join(LAB, 'sipp', 'uac-call.xml'), []);
    log(`kamailio: ${call.ok}/${call.n} calls in ${call.ms.toFixed(0)} ms = ${call.perSec.toFixed(0)} call set-ups/s (failed ${call.failed})`);
    return { registrations: reg, calls: call };
  } finally {
    if (!KAMAILIO_AT) spawnSync(join(LAB, 'stop.sh'), [], { env, encoding: 'utf8' });
  }
}

const results = { when: new Date().toISOString(), registrations: N_REG, calls: N_CALLS, concurrency: CONC };
try {
  results.dev = await devServer();
  results.memory = await memoryPerRegistration();
  if (WITH_KAMAILIO) {
    results.kamailio = await kamailio();
    const ratio = (a, b) => (b > 0 ? a / b : NaN);
    results.ratios = {
      registrations: ratio(results.dev.registrations.perSec, results.kamailio.registrations.perSec),
      calls: ratio(results.dev.calls.perSec, results.kamailio.calls.perSec),
    };
    log(`dev server / kamailio: registrations ${results.ratios.registrations.toFixed(2)}x, call set-ups ${results.ratios.calls.toFixed(2)}x`);
  }
  for (const r of [results.dev.registrations, results.dev.calls]) delete r.out;
} finally {
  killAll();
  rmSync(scratch, { recursive: true, force: true });
}
const strip = (o) => JSON.parse(JSON.stringify(o, (k, v) => (k === 'out' ? undefined : v)));
if (JSON_OUT) writeFileSync(JSON_OUT, `${JSON.stringify(strip(results), null, 2)}\n`);
console.log(JSON.stringify(strip(results)));
