// The lab as the survival benches drive it (run inside the network namespace of bench/run.sh, lab
// started, LAB_RUN_DIR naming it): Kamailio's HTTP helpers (/kick, /contacts), its location table
// (kamcmd), Kamailio stop/start, fixtures/lab/path.sh's veth pair, and a black hole for one TCP connection.
import http from 'node:http';
import path from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import { ROOT } from '../browser-bench.mjs';
import { sleep } from './report.mjs';

export const REALM = 'lab.test';
export const WS_URL = 'ws://127.0.0.1:8088/ws';
/** the lab's end of path.sh's pair: what the phone's namespace reaches */
export const PATH_LAB_ADDR = '127.100.0.1';
export const PATH_WS_URL = `ws://${PATH_LAB_ADDR}:8088/ws`;
/** a Playwright executablePath: Chromium inside the phone's namespace */
export const PHONE_CHROMIUM = path.join(ROOT, 'fixtures/lab/phone-chromium.sh');

function labGet(pathname) {
  return new Promise((resolve, reject) => {
    const req = http.get(`http://127.0.0.1:8088${pathname}`, { agent: false, timeout: 5000, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`lab ${pathname} timed out`)));
    req.on('error', reject);
  });
}

/** the lab drops every TCP connection of `user`'s bindings (no close frame) */
export const kick = (user) => labGet(`/kick/${user}`);

/** the user's bindings at Kamailio: count and the contact lines */
export async function contacts(user) {
  const body = await labGet(`/contacts/${user}`).catch(() => '');
  return { count: Number(/count=(\d+)/.exec(body)?.[1] ?? 0), lines: body.split('\n').filter((l) => l.startsWith('contact=')) };
}

export async function registeredAtKamailio(users, ms) {
  const end = Date.now() + ms;
  for (const u of users) while ((await contacts(u)).count < 1 && Date.now() < end) await sleep(100);
}

/** removes every binding of `user` (a closed page leaves its own: the next call must not fork to it) */
export async function dropBindings(user) {
  const socket = `unix:${process.env.LAB_RUN_DIR ?? '/tmp/lab'}/kamailio_ctl`;
  // `s:`: kamcmd would send a numeric user as an integer; an error for a user without bindings is fine
  await new Promise((r) => execFile('kamcmd', ['-s', socket, 'ul.rm', 'location', `s:${user}`], { timeout: 5000 }, () => r()));
}

function script(name, args, env = {}) {
  return new Promise((resolve, reject) => {
    execFile(path.join(ROOT, 'fixtures/lab', name), args, { env: { ...process.env, ...env }, timeout: 60_000 },
      (err, out, errOut) => (err ? reject(new Error(`${name} ${args.join(' ')}: ${out}${errOut}`)) : resolve(out)));
  });
}

/** fixtures/lab/{stop,start}.sh for Kamailio only (rtpengine keeps running); `defines`: e.g. -A WITH_GRUU */
export const kamailio = (what, defines = '') => script(`${what}.sh`, ['kamailio'], { LAB_KAMAILIO_DEFINES: defines });

/** when path.sh says its change took effect (its "… at <epoch ms>" line; test/support/e2e/path.ts reads it alike) */
function tookEffect(out) {
  const m = / at (\d{13})\b/.exec(out);
  // a time taken here instead would be late by path.sh's own start-up (up to ~0.5 s on a loaded machine)
  if (!m) throw new Error(`path.sh printed no time: ${out}`);
  return Number(m[1]);
}
/** the phone's end of the veth pair down or up: resolves with the epoch ms it happened */
export const setLink = async (state) => tookEffect(await script('path.sh', ['link', state, 'phone']));
/** the phone's address becomes `ip` (added, the old one removed): resolves with the epoch ms */
export const movePhone = async (ip) => tookEffect(await script('path.sh', ['move', ip]));
export const phoneAddr = async () => (await script('path.sh', ['addr'])).trim();

/** the local port of `user`'s SIP connection as Kamailio saw it (its binding's received=) */
export async function phonePort(user) {
  const line = (await contacts(user)).lines[0] ?? '';
  const port = Number(/received=sip:127\.0\.0\.1:(\d+)/.exec(line)?.[1]);
  if (!Number.isInteger(port)) throw new Error(`no received port for ${user} in "${line}"`);
  return port;
}

/** drops every TCP segment of one loopback connection both ways: a socket that stays OPEN and dead */
export function blackhole(port, on) {
  for (const dir of ['--sport', '--dport']) {
    execFileSync('iptables', [on ? '-I' : '-D', 'INPUT', '-i', 'lo', '-p', 'tcp', dir, String(port), '-j', 'DROP']);
  }
}
