/**
 * Browser media in real headless Chromium: the module is bundled with rollup (as dist/kazoo.js would
 * carry it, worklets from a Blob URL), served on 127.0.0.1, and driven with Chromium's fake microphone.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { decodeG711, encodeG711 } from '../g711';

jest.setTimeout(60_000);

const ROOT = resolve(__dirname, '../../../..');
let dir: string;
let server: Server;
let browser: Browser;
let page: Page;

function bundle(): void {
  const config = join(dir, 'rollup.config.mjs');
  // the global is set by hand: terser's toplevel mangling renames an IIFE's `var name` (as in the root build)
  const entry = join(dir, 'entry.js');
  writeFileSync(entry, `import * as media from ${JSON.stringify(join(ROOT, 'transports/rtmp/media/browser/index.ts'))};\nglobalThis.kazooRtmpMedia = media;\n`);
  const mod = (name: string) => JSON.stringify(pathToFileURL(require.resolve(name, { paths: [ROOT] })).href);
  writeFileSync(config, `
import typescript from ${mod('@rollup/plugin-typescript')};
import { nodeResolve } from ${mod('@rollup/plugin-node-resolve')};
import terser from ${mod('@rollup/plugin-terser')};
export default {
  input: ${JSON.stringify(entry)},
  plugins: [nodeResolve({ browser: true }), typescript({ tsconfig: ${JSON.stringify(join(ROOT, 'tsconfig.json'))},
    compilerOptions: { noEmit: false, declaration: false, module: 'ESNext', types: [] },
    include: [${JSON.stringify(join(ROOT, 'transports/**/*.ts'))}, ${JSON.stringify(join(ROOT, 'src/**/*.ts'))}], exclude: ['**/*.test.ts'] })],
  // minified like dist/kazoo.min.js: the worklet's embedded class must survive it
  output: { file: ${JSON.stringify(join(dir, 'media.js'))}, format: 'iife', plugins: [terser({ ecma: 2020, toplevel: true, compress: { passes: 3 } })] },
};`);
  execFileSync(process.execPath, [join(ROOT, 'node_modules/rollup/dist/bin/rollup'), '-c', config, '--silent'], { cwd: ROOT, stdio: 'pipe', timeout: 45_000 });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kazoo-rtmp-media-'));
  bundle();
  const files: Record<string, [string, string]> = {
    '/': ['text/html', '<!doctype html><meta charset="utf-8"><script src="/media.js"></script>'],
    '/media.js': ['text/javascript', readFileSync(join(dir, 'media.js'), 'utf8')],
  };
  server = createServer((req, res) => {
    const file = files[req.url ?? ''];
    res.writeHead(file ? 200 : 404, { 'Content-Type': file ? file[0] : 'text/plain' });
    res.end(file ? file[1] : '');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required', '--disable-background-networking'],
    timeout: 20_000,
  });
  page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Capture { frames: number[][]; times: number[]; rate: number }

test('capture: 20 ms PCMU frames at 8 kHz from the fake microphone, silence when muted', async () => {
  const result = await page.evaluate(async () => {
    const api = (window as unknown as { kazooRtmpMedia: typeof import('./index') }).kazooRtmpMedia;
    const frames: number[][] = [];
    const times: number[] = [];
    const media = await api.startBrowserMedia((f) => { frames.push(Array.from(f)); times.push(performance.now()); });
    await new Promise((r) => setTimeout(r, 2000));
    const live = frames.length;
    media.mute(true);
    await new Promise((r) => setTimeout(r, 600));
    media.stop();
    return { frames, times, live, rate: media.context.sampleRate };
  }) as Capture & { live: number };
  expect(result.frames.every((f) => f.length === 160)).toBe(true);
  // ~50 frames per second: 2 s of capture (the first frames wait for the resampler's look-ahead)
  expect(result.live).toBeGreaterThan(85);
  expect(result.live).toBeLessThan(110);
  const span = result.times[result.live - 1] - result.times[10];
  expect(span / (result.live - 11)).toBeGreaterThan(17);
  expect(span / (result.live - 11)).toBeLessThan(23);
  const rms = (f: number[]) => Math.sqrt(decodeG711('pcmu', Uint8Array.from(f)).reduce((s, v) => s + v * v, 0) / 160);
  const loudest = Math.max(...result.frames.slice(0, result.live).map(rms));
  expect(loudest).toBeGreaterThan(500); // Chromium's fake device beeps
  // frames still flow while muted (the far end's jitter buffer stays fed) and are μ-law silence
  const muted = result.frames.slice(result.live + 3);
  expect(muted.length).toBeGreaterThan(20);
  expect(muted.every((f) => f.every((b) => b === 0xff))).toBe(true);
});

test('playback: PCMU tone frames produce output through the jitter buffer worklet', async () => {
  const tone = Array.from(encodeG711('pcmu', new Int16Array(8000).map((_, i) => Math.round(12000 * Math.sin((2 * Math.PI * 440 * i) / 8000)))));
  const measured = await page.evaluate(async (pcmu) => {
    const api = (window as unknown as { kazooRtmpMedia: typeof import('./index') }).kazooRtmpMedia;
    let analyser: AnalyserNode | null = null;
    const media = await api.startBrowserMedia(() => undefined, {
      connectOutput: (node, ctx) => { analyser = ctx.createAnalyser(); node.connect(analyser); analyser.connect(ctx.destination); },
    });
    const buf = new Float32Array(2048);
    const peak = () => { (analyser as unknown as AnalyserNode).getFloatTimeDomainData(buf); return buf.reduce((m, v) => Math.max(m, Math.abs(v)), 0); };
    const before = peak();
    let sent = 0;
    let loudest = 0;
    await new Promise<void>((done) => {
      const timer = setInterval(() => {
        media.play('pcmu', Uint8Array.from(pcmu.slice((sent % 50) * 160, (sent % 50) * 160 + 160)));
        sent++;
        if (sent > 10) loudest = Math.max(loudest, peak());
        if (sent === 50) { clearInterval(timer); done(); }
      }, 20);
    });
    media.stop();
    return { before, loudest };
  }, tone);
  expect(measured.before).toBeLessThan(0.01);
  expect(measured.loudest).toBeGreaterThan(0.2); // 12000/32768 ≈ 0.37 sent
});
