#!/usr/bin/env node
// `npm start`: the demo. Starts the SIP lab (Kamailio on 127.0.0.1, fixtures/lab) unless one already
// answers, serves the demo pages and dist/ on http://127.0.0.1:8080, prints what to open, and stops
// what it started on Ctrl-C / SIGTERM.
//   npm start -- --port 8080 --no-lab --ws ws://host:port/path
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
if (args.includes('--help')) {
  console.log('usage: npm start -- [--port 8080] [--ws ws://127.0.0.1:8088/ws] [--no-lab]');
  process.exit(0);
}
const port = Number(flag('port', 8080));
const wsUrl = flag('ws', 'ws://127.0.0.1:8088/ws');
const useLab = !args.includes('--no-lab') && !args.includes('--ws');
const RUN = process.env.LAB_RUN_DIR || '/tmp/kazoo-lab';
const labEnv = { ...process.env, LAB_RUN_DIR: RUN };

if (!fs.existsSync(path.join(ROOT, 'dist/kazoo.js'))) {
  console.log('building dist/ (npm run build)…');
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) { console.error('build failed: run `npm ci` first'); process.exit(1); }
}

let startedLab = false;
if (useLab) {
  if (spawnSync('which', ['kamailio']).status !== 0) {
    console.error('Kamailio is not installed: run `sudo bash fixtures/lab/install.sh`, or point the demo at your own server with --ws ws://host:port/path');
    process.exit(1);
  }
  const r = spawnSync(path.join(ROOT, 'fixtures/lab/start.sh'), [], { env: labEnv, encoding: 'utf8' });
  if (r.status === 0) startedLab = true;
  else if (/already running/.test(r.stderr)) console.log('using the SIP lab that is already running');
  else { console.error(`the SIP lab did not start:\n${r.stdout}${r.stderr}`); process.exit(1); }
}

const files = {
  '/': ['demo/phone.html', 'text/html'],
  '/phone.html': ['demo/phone.html', 'text/html'],
  '/legacy.html': ['demo/legacy.html', 'text/html'],
  '/lib/kazoo.js': ['dist/kazoo.js', 'text/javascript'],
  '/lib/kazoo.min.js': ['dist/kazoo.min.js', 'text/javascript'],
};
const server = http.createServer((req, res) => {
  const f = files[(req.url || '/').split('?')[0]];
  if (!f) { res.writeHead(404); res.end('not found'); return; }
  let body = fs.readFileSync(path.join(ROOT, f[0]), 'utf8');
  if (f[1] === 'text/html') body = body.replace('<script src="lib/kazoo.js"', `<script>window.DEMO_WS_URL=${JSON.stringify(wsUrl)};</script><script src="lib/kazoo.js"`);
  res.writeHead(200, { 'content-type': f[1], 'cache-control': 'no-store' });
  res.end(body);
});
server.on('error', (e) => {
  console.error(e.code === 'EADDRINUSE' ? `port ${port} is taken: npm start -- --port <another>` : e.message);
  shutdown(1);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`
kazoo-js demo
  phone:        http://127.0.0.1:${port}/          (open it in two tabs)
  legacy page:  http://127.0.0.1:${port}/legacy.html  (the 2014 document's examples)
  SIP server:   ${wsUrl}${startedLab ? '  (Kamailio from fixtures/lab, started by this command)' : ''}
  demo users:   1001 … 1010, password secret<user> (1001 / secret1001); realm lab.test
  voicemail:    curl http://127.0.0.1:8088/mwi/1002/2/8   (sends 1002 an MWI NOTIFY)
Ctrl-C stops everything.`);
});

let stopping = false;
function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  server.close();
  if (startedLab) {
    try { execFileSync(path.join(ROOT, 'fixtures/lab/stop.sh'), [], { env: labEnv, stdio: 'ignore' }); } catch { /* reported by stop.sh */ }
  }
  process.exit(code);
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));
