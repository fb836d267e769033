// What the Chromium benchmarks share: the raw JsSIP baseline bundle, Chromium's flags, a page server on
// loopback, medians.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { eventsLite, MINIFY_OPTIONS, packageJsonFields } from '../rollup.plugins.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
  '--allow-loopback-in-peer-connection', '--disable-background-timer-throttling', '--disable-renderer-backgrounding'];

export const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

/**
 * JsSIP alone as a page would bundle it (its own `debug` included: the stand-in is kazoo's saving), with
 * the same package.json trimming and terser options as dist/kazoo.min.js: the baseline of size and speed.
 * JsSIP's `require('events')` resolves the same way in both (eventsLite: eventemitter3), so that saving
 * is not counted as kazoo's either
 */
export async function jssipBundle() {
  const entry = path.join(os.tmpdir(), `kazoo-bench-jssip-entry-${process.pid}.mjs`);
  fs.writeFileSync(entry, `import JsSIP from '${path.join(ROOT, 'node_modules/jssip/lib/JsSIP.js')}'; globalThis.JsSIP = JsSIP;\n`);
  try {
    const b = await rollup({ input: entry, plugins: [packageJsonFields, eventsLite, nodeResolve({ browser: true, preferBuiltins: false }), commonjs()], onwarn: () => {} });
    const { output } = await b.generate({ format: 'iife', plugins: [terser(MINIFY_OPTIONS)] });
    return output[0].code;
  } finally {
    fs.rmSync(entry, { force: true });
  }
}

/**
 * serves `files` ({ '/path': [Buffer|string, content type] }) on `host` (default 127.0.0.1; another loopback
 * address for a phone behind fixtures/lab/path.sh); resolves to its base URL and close()
 */
export async function servePages(files, host = '127.0.0.1') {
  const server = http.createServer((req, res) => {
    const f = files[req.url.split('?')[0]];
    if (!f) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': f[1] });
    res.end(f[0]);
  });
  await new Promise((r) => server.listen(0, host, r));
  return { base: `http://${host}:${server.address().port}`, close: () => server.close() };
}
