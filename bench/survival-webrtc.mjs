#!/usr/bin/env node
// Issue 13, WebRTC: what happens to an answered call when the network or the server does something to
// it, kazoo-js beside raw JsSIP (default settings) on the same event in the same run, in headless
// Chromium against the lab's Kamailio and rtpengine; medians of BENCH_N runs (default 3: most rows take
// 10–40 s a run). Run by bench/survival-run.sh (from bench/run.sh: inside the network namespace, lab
// started, LAB_RUN_DIR naming it).
//   node bench/survival-webrtc.mjs plain   the rows of the plain lab (phones on 127.0.0.1)
//   node bench/survival-webrtc.mjs path    the rows that need fixtures/lab/path.sh's veth pair (path.sh
//                                          up and the lab started with LAB_PATH=1 first)
// BENCH_SURVIVAL=kick,restart,... picks rows (default all): plain: kick, restart, offline (far end hangs
// up while the phone is offline), queued (DTMF/mute/transfer while the socket is down), media (media dead
// 30 s), sleep, rtmp (our gateway's resume of a call after its RTMP connection drops; raw JsSIP: n/a);
// path: path (the path breaks 5 s), address (the address changes).
// The rows: bench/survival/{socket,call,path}-rows.mjs; how they print: bench/survival/report.mjs.
import { PATH_LAB_ADDR, PATH_WS_URL, PHONE_CHROMIUM, WS_URL } from './survival/lab.mjs';
import { launchChromium, pageFiles } from './survival/parties.mjs';
import { servePages } from './browser-bench.mjs';
import { SOCKET_PAGES, socketRows } from './survival/socket-rows.mjs';
import { hangupWhileOffline, laptopSleep, mediaDead, requestsWhileDown } from './survival/call-rows.mjs';
import { addressChange, pathBreak } from './survival/path-rows.mjs';
import { rtmpResume } from './survival/rtmp-row.mjs';

export const ROWS = {
  plain: ['kick', 'restart', 'offline', 'queued', 'media', 'sleep', 'rtmp'],
  path: ['path', 'address'],
};
const CALL_ROWS = { offline: hangupWhileOffline, queued: requestsWhileDown, media: mediaDead, sleep: laptopSleep, rtmp: rtmpResume, path: pathBreak, address: addressChange };

async function main() {
  const lab = process.argv[2] ?? 'plain';
  if (!ROWS[lab]) throw new Error(`usage: survival-webrtc.mjs plain|path (not ${lab})`);
  const n = Number(process.env.BENCH_N || 3);
  const picked = (process.env.BENCH_SURVIVAL || 'all').split(',').map((s) => s.trim());
  const rows = ROWS[lab].filter((r) => picked.includes('all') || picked.includes(r));
  if (!rows.length) return;
  const files = await pageFiles();
  for (const [p, html] of Object.entries(SOCKET_PAGES)) files[p] = [html, 'text/html'];
  const farServer = await servePages(files);
  // behind the path, the phones load their pages over it too
  const phoneServer = lab === 'path' ? await servePages(files, PATH_LAB_ADDR) : farServer;
  const fars = await launchChromium();
  const phones = lab === 'path' ? await launchChromium(PHONE_CHROMIUM) : fars;
  const env = { phones, fars, base: phoneServer.base, farBase: farServer.base, wsUrl: lab === 'path' ? PATH_WS_URL : WS_URL };
  try {
    const socket = rows.filter((r) => r === 'kick' || r === 'restart');
    if (socket.length) await socketRows(fars, farServer.base, n, socket);
    for (const r of rows) if (CALL_ROWS[r]) await CALL_ROWS[r](env, n);
  } finally {
    if (phones !== fars) await phones.close().catch(() => undefined);
    await fars.close().catch(() => undefined);
    farServer.close();
    if (phoneServer !== farServer) phoneServer.close();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
