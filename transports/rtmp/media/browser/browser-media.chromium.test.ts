/**
 * Browser media in real headless Chromium: the module is bundled with rollup (as dist/kazoo.js would
 * carry it, worklets from a Blob URL), served on 127.0.0.1, and driven with Chromium's fake microphone (a
 * 400 Hz beep) in contexts at the device's rate, 44.1 kHz and 48 kHz: resampling, G.711 and the jitter
 * buffer all run in the worklets. The same worklet text in Node, quantum by quantum: worklet-source.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { decodeG711, encodeG711 } from '../../../../protocol/audio/g711';

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
    include: [${JSON.stringify(join(ROOT, 'transports/**/*.ts'))}, ${JSON.stringify(join(ROOT, 'protocol/**/*.ts'))}, ${JSON.stringify(join(ROOT, 'src/**/*.ts'))}], exclude: ['**/*.test.ts'] })],
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

interface Capture { frames: number[][]; times: number[]; live: number; rate: number }

/** Starts media in the page (at `rate`, or the device's own rate), collects 2 s of frames, then 0.6 s muted. */
function capture(rate: number | undefined, law: 'pcmu' | 'pcma' = 'pcmu'): Promise<Capture> {
  return page.evaluate(async ([rate, law]) => {
    const api = (window as unknown as { kazooRtmpMedia: typeof import('./index') }).kazooRtmpMedia;
    const frames: number[][] = [];
    const times: number[] = [];
    const media = await api.startBrowserMedia((f) => { frames.push(Array.from(f)); times.push(performance.now()); }, {
      law,
      createContext: rate ? () => new AudioContext({ sampleRate: rate }) : undefined,
    });
    await new Promise((r) => setTimeout(r, 2000));
    const live = frames.length;
    media.mute(true);
    await new Promise((r) => setTimeout(r, 600));
    media.stop();
    return { frames, times, live, rate: media.context.sampleRate };
  }, [rate, law] as const);
}

/** the strongest frequency (10 Hz steps, 100 Hz – 3.9 kHz) of 8 kHz samples */
function strongest(samples: number[]): number {
  let best = 0;
  let at = 0;
  for (let f = 100; f < 3900; f += 10) {
    let re = 0;
    let im = 0;
    samples.forEach((v, i) => { re += v * Math.cos((2 * Math.PI * f * i) / 8000); im += v * Math.sin((2 * Math.PI * f * i) / 8000); });
    if (Math.hypot(re, im) > best) [best, at] = [Math.hypot(re, im), f];
  }
  return at;
}

// the device's own rate (the library never forces one), and both common rates forced on the context
const RATES = [['the device rate', undefined], ['44100 Hz', 44100], ['48000 Hz', 48000]] as const;
describe.each(RATES)('capture in a context at %s', (_, rate) => {
  test('20 ms frames of 160 μ-law bytes at 8 kHz from the fake microphone, with energy; silence when muted', async () => {
    const result = await capture(rate);
    if (rate) expect(result.rate).toBe(rate);
    expect(result.frames.every((f) => f.length === 160)).toBe(true);
    // ~50 frames per second: 2 s of capture (the first frames wait for the worklet to start)
    expect(result.live).toBeGreaterThan(85);
    expect(result.live).toBeLessThan(110);
    const span = result.times[result.live - 1] - result.times[10];
    expect(span / (result.live - 11)).toBeGreaterThan(17);
    expect(span / (result.live - 11)).toBeLessThan(23);
    const pcm = result.frames.slice(0, result.live).map((f) => Array.from(decodeG711('pcmu', Uint8Array.from(f))));
    const rms = (f: number[]) => Math.sqrt(f.reduce((s, v) => s + v * v, 0) / f.length);
    const loudest = pcm.reduce((best, f) => (rms(f) > rms(best) ? f : best));
    expect(rms(loudest)).toBeGreaterThan(500); // Chromium's fake device beeps
    // its beep, resampled in the worklet, comes out at its own pitch (whatever the context's rate)
    const at = pcm.indexOf(loudest);
    beeps.push(strongest(pcm.slice(Math.max(0, at - 2), at + 3).flat()));
    // frames still flow while muted (the far end's jitter buffer stays fed) and are μ-law silence
    const muted = result.frames.slice(result.live + 3);
    expect(muted.length).toBeGreaterThan(20);
    expect(muted.every((f) => f.every((b) => b === 0xff))).toBe(true);
  });
});

const beeps: number[] = [];
test('the beep has the same pitch at every context rate (400 Hz)', () => {
  expect(beeps).toHaveLength(3);
  for (const beep of beeps) expect(Math.abs(beep - 400)).toBeLessThanOrEqual(20);
  expect(Math.max(...beeps) - Math.min(...beeps)).toBeLessThanOrEqual(20);
});

test('capture in A-law when asked: frames of A-law, A-law silence when muted', async () => {
  const result = await capture(undefined, 'pcma');
  const rms = (f: number[]) => Math.sqrt(decodeG711('pcma', Uint8Array.from(f)).reduce((s, v) => s + v * v, 0) / 160);
  expect(Math.max(...result.frames.slice(0, result.live).map(rms))).toBeGreaterThan(500);
  expect(result.frames.slice(result.live + 3).every((f) => f.every((b) => b === 0xd5))).toBe(true);
});

describe.each(RATES)('playback in a context at %s', (_, rate) => {
  test('PCMU tone frames every 20 ms → the jitter buffer worklet plays the tone at its level', async () => {
    const tone = Array.from(encodeG711('pcmu', new Int16Array(8000).map((_, i) => Math.round(12000 * Math.sin((2 * Math.PI * 440 * i) / 8000)))));
    const measured = await page.evaluate(async ([pcmu, rate]) => {
      const api = (window as unknown as { kazooRtmpMedia: typeof import('./index') }).kazooRtmpMedia;
      let analyser: AnalyserNode | null = null;
      const media = await api.startBrowserMedia(() => undefined, {
        createContext: rate ? () => new AudioContext({ sampleRate: rate }) : undefined,
        connectOutput: (node, ctx) => { analyser = ctx.createAnalyser(); analyser.fftSize = 8192; node.connect(analyser); analyser.connect(ctx.destination); },
      });
      const a = analyser as unknown as AnalyserNode;
      const buf = new Float32Array(a.fftSize);
      // measured as test/e2e/pages/instrument.js's __playbackLevel does: RMS of the analyser's window
      const level = () => { a.getFloatTimeDomainData(buf); return Math.sqrt(buf.reduce((s, v) => s + v * v, 0) / buf.length); };
      const peak = () => { a.getFloatTimeDomainData(buf); return buf.reduce((m, v) => Math.max(m, Math.abs(v)), 0); };
      const before = level();
      let sent = 0;
      const levels: number[] = [];
      let loudest = 0;
      let spectrum = new Float32Array(0);
      await new Promise<void>((done) => {
        const start = performance.now();
        const timer = setInterval(() => {
          // frames on the clock (a timer may fire late): as many as 20 ms periods have passed
          while (sent < 75 && sent * 20 <= performance.now() - start) {
            media.play('pcmu', Uint8Array.from(pcmu.slice((sent % 50) * 160, (sent % 50) * 160 + 160)));
            sent++;
          }
          if (sent > 30) { levels.push(level()); loudest = Math.max(loudest, peak()); }
          if (sent === 60) { spectrum = new Float32Array(a.frequencyBinCount); a.getFloatFrequencyData(spectrum); }
          if (sent === 75) { clearInterval(timer); done(); }
        }, 10);
      });
      const top = spectrum.indexOf(Math.max(...spectrum));
      const contextRate = media.context.sampleRate;
      await new Promise((r) => setTimeout(r, 400));
      const after = level();
      media.stop();
      return { before, after, levels, loudest, peakHz: (top * contextRate) / a.fftSize, binHz: contextRate / a.fftSize, contextRate };
    }, [tone, rate] as const);
    const sent = 12000 / 32768; // ≈ 0.37 peak, 0.26 RMS
    const median = measured.levels.sort((x, y) => x - y)[measured.levels.length >> 1];
    expect(measured.before).toBeLessThan(0.001);
    expect(measured.loudest).toBeGreaterThan(0.3);
    expect(measured.loudest).toBeLessThan(0.45);
    expect(median / (sent / Math.SQRT2)).toBeGreaterThan(0.85);
    expect(median / (sent / Math.SQRT2)).toBeLessThan(1.1);
    expect(Math.abs(measured.peakHz - 440)).toBeLessThanOrEqual(measured.binHz);
    expect(measured.after).toBeLessThan(0.001); // the far end stopped: concealment, then silence
  });
});
