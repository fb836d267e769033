#!/usr/bin/env node
// `npm start`: the embedded dev stack and the demo. Starts the development SIP server
// (dist/kazoo-dev-sip.cjs, on 127.0.0.1) and the SIP–RTMP gateway registered against it (devstack/gateway-child.mjs,
// RTMP on 127.0.0.1:1935, WebSocket tunnel + RTMPT on 127.0.0.1:1936), serves the demo pages and dist/
// on http://127.0.0.1:8080, prints what to open, and stops everything it started on Ctrl-C / SIGTERM.
// Both servers run as child processes: a crash in one is reported, not fatal to this process, and
// stopping is one signal per child, whose exit frees its ports. Both run built JavaScript from dist/ (built
// first when missing), so nothing compiles at start-up; the URLs printed carry the ports actually bound.
//   npm start -- --help
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback; };
if (args.includes('--help') || args.includes('-h')) {
  console.log(`usage: npm start -- [options]
  --port <n>              demo pages (default 8080)
  --sip-server <ws-url>   use this SIP server (Kazoo, Kamailio, Asterisk, FreeSWITCH, Wazo…) instead of the
                          embedded one, e.g. --sip-server wss://pbx.example.com:5065
  --realm <realm>         SIP realm shown in the login forms (default: the embedded server's domain)
  --ws-port <n>           embedded SIP server's WebSocket port (default 5064, 0 = any free port)
  --udp-port <n>          embedded SIP server's UDP port (default 5060, 0 = any free port)
  --rtmp-port <n>         RTMP gateway, RTMP over TCP (default 1935, 0 = any free port)
  --rtmp-http-port <n>    RTMP gateway, WebSocket tunnel (/rtmp) and RTMPT (default 1936, 0 = any free port)
  --gateway-sip <h:p>     with --sip-server: the platform's SIP UDP address the RTMP gateway registers
                          against (without it, no gateway runs and force RTMP is unavailable)
  --gateway-media <p>     SDP the gateway offers on outgoing calls: auto/webrtc (ICE + DTLS-SRTP, for
                          browsers behind a signalling-only server; default with the embedded server) or
                          rtp (RTP/AVP, for a platform with a media server or rtpengine; default with
                          --sip-server)
  --wazo                  also start the Wazo dev engine (devstack/wazo-dev, kazoo-wazo-dev) for Wazo.Auth /
                          WazoApiClient / Wazo.Phone apps: HTTPS + WSS on 127.0.0.1:8443; the Wazo phone demo
                          (/wazo-phone.html: Wazo.Auth.logIn + Wazo.Phone.connect, two tabs call each other)
                          uses it
  --wazo-port <n>         its port (default 8443, 0 = any free port)`);
  process.exit(0);
}
const port = Number(flag('port', 8080));
const externalSip = flag('sip-server', null);
const gatewaySip = flag('gateway-sip', null);
const children = [];
let gatewayChild = null;

function fail(message) {
  console.error(`npm start: ${message}`);
  shutdown(1);
}

function build() {
  const needed = ['dist/kazoo.js', 'dist/kazoo-wazo.js', 'dist/kazoo-rtmp-transport.js', 'dist/kazoo-dev-sip.cjs', 'dist/rtmp-gateway.cjs', 'dist/kazoo-wazo-dev.cjs'];
  if (needed.every((f) => fs.existsSync(path.join(ROOT, f)))) return;
  console.log('building dist/ (npm run build)…');
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) fail('the build failed: run `npm ci` first');
}

/** a devstack server as a child process; resolves with the addresses it printed (its --json line) */
function startDevServer(bin, args, what) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, bin), ...args, '--log-level', 'warn', '--json'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let errors = '';
    child.stderr.on('data', (d) => { errors += d; });
    child.on('exit', (code) => {
      if (!stopping) fail(`the ${what} stopped (exit ${code}): ${errors.trim() || 'no message'}`);
    });
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{')) resolve(JSON.parse(line));
    });
  });
}

/** The RTMP gateway as a child process (devstack/gateway-child.mjs); resolves with the URLs it printed. */
function startGateway(sipUdp) {
  const rtmpPort = flag('rtmp-port', '1935');
  const httpPort = flag('rtmp-http-port', '1936');
  const media = flag('gateway-media', externalSip ? 'rtp' : 'auto');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'devstack/gateway-child.mjs'),
      '--rtmp', `127.0.0.1:${rtmpPort}`, '--http', `127.0.0.1:${httpPort}`, '--sip-server', sipUdp,
      '--media-profile', media, '--log-level', 'warn'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    gatewayChild = child;
    let errors = '';
    child.stderr.on('data', (d) => { errors += d; });
    child.on('exit', (code) => {
      if (stopping) return;
      const taken = /port (\d+) on \S+ is taken/.exec(errors);
      if (taken) {
        const which = taken[1] === rtmpPort ? '--rtmp-port' : '--rtmp-http-port';
        fail(`the RTMP gateway's port ${taken[1]} is taken: npm start -- ${which} <another> (0 = any free port)`);
      } else fail(`the RTMP gateway stopped (exit ${code}): ${errors.trim() || 'no message'}`);
    });
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{')) resolve(JSON.parse(line));
    });
  });
}

const mailboxes = new Map();
async function leaveVoicemail(httpUrl, user) {
  const count = (mailboxes.get(user) ?? 0) + 1;
  mailboxes.set(user, count);
  const r = await fetch(`${httpUrl}/mwi/${encodeURIComponent(user)}/${count}/0`);
  return `${r.status} ${await r.text()}`;
}

const pages = {
  '/': 'demo/phone.html',
  '/phone.html': 'demo/phone.html',
  '/legacy.html': 'demo/legacy.html',
  '/wazo-phone.html': 'demo/wazo-phone.html',
};
/** `/lib/<file>` is dist/<file> for every global build (kazoo.js fetches kazoo-rtmp-transport.js from beside itself) */
const LIB = /^\/lib\/(kazoo[\w-]*(?:\.min)?\.js)$/;

let server;
let stopping = false;
async function main() {
  build();
  const sip = externalSip ? { wsUrl: externalSip, domain: flag('realm', 'example.com') }
    : await startDevServer('dist/kazoo-dev-sip.cjs', ['--ws-port', flag('ws-port', '5064'), '--udp-port', flag('udp-port', '5060')], 'development SIP server');
  const wazo = args.includes('--wazo') ? await startDevServer('dist/kazoo-wazo-dev.cjs', ['--port', flag('wazo-port', '8443')], 'Wazo dev engine') : null;
  const realm = flag('realm', sip.domain);
  const gatewayTarget = externalSip ? gatewaySip : `${sip.udp.host}:${sip.udp.port}`;
  const gateway = gatewayTarget ? await startGateway(gatewayTarget) : null;
  const settings = `<script>window.DEMO = ${JSON.stringify({
    wsUrl: sip.wsUrl, realm, voicemail: !!sip.httpUrl, rtmpUrl: gateway?.rtmpUrl ?? null, rtmpTunnelUrl: gateway?.wsUrl ?? null,
    wazoServer: wazo?.server ?? null,
  })};</script>`;
  server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo');
    if (url.pathname === '/api/voicemail' && req.method === 'POST' && sip.httpUrl) {
      const user = url.searchParams.get('user') ?? '';
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(user)) { res.writeHead(400); res.end('bad user'); return; }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(await leaveVoicemail(sip.httpUrl, user).catch((e) => `error ${e.message}`));
      return;
    }
    const page = pages[url.pathname];
    const lib = LIB.exec(url.pathname);
    const file = page ?? (lib ? `dist/${lib[1]}` : null);
    if (!file || !fs.existsSync(path.join(ROOT, file))) { res.writeHead(404); res.end('not found'); return; }
    let body = fs.readFileSync(path.join(ROOT, file), 'utf8');
    if (page) body = body.replace(/<script src="lib\/kazoo[\w.-]*\.js"/, (tag) => `${settings}${tag}`);
    res.writeHead(200, { 'content-type': page ? 'text/html' : 'text/javascript', 'cache-control': 'no-store' });
    res.end(body);
  });
  server.on('error', (e) => fail(e.code === 'EADDRINUSE' ? `port ${port} is taken: npm start -- --port <another>` : e.message));
  server.listen(port, '127.0.0.1', () => {
    const port = server.address().port; // the one bound, with --port 0
    console.log(`
kazoo-js demo
  phone:        http://127.0.0.1:${port}/             (open it in two tabs, log in as two users, call)
  legacy page:  http://127.0.0.1:${port}/legacy.html  (the 2014 document's examples)
  SIP server:   ${sip.wsUrl}${externalSip ? '' : `  (embedded development server; UDP ${sip.udp.host}:${sip.udp.port})`}
  RTMP gateway: ${gateway ? `${gateway.rtmpUrl}, tunnel ${gateway.wsUrl} (RTMPT ${gateway.rtmptUrl}); SIP via UDP ${gatewayTarget}` : 'not started (add --gateway-sip host:port)'}
  ${externalSip ? `realm:        ${realm}` : `demo users:   1001 … 1010, password secret<user> (1001 / secret1001), realm ${realm}`}${wazo ? `
  Wazo engine:  ${wazo.url} (Wazo.Auth.setHost('${wazo.server}'); accept its certificate at ${wazo.url}/api/auth/0.1/status), SIP ${wazo.sipUrl}
  Wazo phone:   http://127.0.0.1:${port}/wazo-phone.html  (Wazo.Auth + Wazo.Phone: two tabs, two users, call)` : ''}
  tick "force RTMP" in one tab to call over RTMP through the gateway
Ctrl-C stops everything.`);
  });
}

function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  server?.close();
  let pending = children.filter((c) => c.exitCode === null);
  // the gateway first, so its un-REGISTERs still reach the SIP server (it gives them 2 s at most)
  const rest = pending.filter((c) => c !== gatewayChild);
  if (gatewayChild && pending.includes(gatewayChild)) {
    gatewayChild.kill('SIGTERM');
    const next = () => { for (const c of rest) if (c.exitCode === null) c.kill('SIGTERM'); };
    gatewayChild.on('exit', next);
    setTimeout(next, 2500).unref();
  } else for (const c of rest) c.kill('SIGTERM');
  const done = () => process.exit(code);
  if (!pending.length) done();
  for (const c of pending) c.on('exit', () => { pending = pending.filter((p) => p !== c); if (!pending.length) done(); });
  setTimeout(() => { for (const c of pending) c.kill('SIGKILL'); done(); }, 5000).unref();
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));
main().catch((e) => fail(e.message));
