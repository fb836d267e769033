/**
 * Headless Chromium (Debian's, through playwright-core) with fake media devices, and a page server
 * on 127.0.0.1 for the test pages and dist/. Runs inside the loopback-only network namespace.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT, REALM, WS_URL } from './lab';
import { PAGE_TONES, TONE_TOLERANCE_HZ } from './tone-meter';

export { PAGE_TONES, NODE_TONES, TONE_TOLERANCE_HZ } from './tone-meter';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
];

/** `/lib/<file>` is dist/<file> for every global build, as devstack/start.mjs serves them */
const LIB = /^\/lib\/(kazoo[\w-]*(?:\.min)?\.js)$/;

/** the global build a test page includes: kazoo.js fetches the RTMP transport's code when it needs it */
export type GlobalBuild = 'kazoo.js' | 'kazoo.min.js' | 'kazoo-rtmp.js';

/** test-only page instrumentation (callback recorder, peer connections, received SIP) */
export const INSTRUMENT = path.join(ROOT, 'test/e2e/pages/instrument.js');

/** Test page instrumentation for `page`, its microphone a sine at `toneHz` (test/e2e/pages/instrument.js). */
export async function instrument(page: Page, toneHz: number): Promise<void> {
  await page.addInitScript((hz) => { (window as unknown as { __toneHz: number }).__toneHz = hz; }, toneHz);
  await page.addInitScript({ path: INSTRUMENT });
}

export interface Lab {
  ctx: BrowserContext;
  baseUrl: string;
  /**
   * `build`: which global script the page includes (default kazoo.js, which fetches RTMP's code if init picks it);
   * `tone`: the page's microphone frequency (default: the next of PAGE_TONES, so every page of a Lab differs)
   */
  open(name: string, opts?: { build?: GlobalBuild; tone?: number }): Promise<PhonePage>;
  /** the paths the page server answered, in order (e.g. whether a page fetched the RTMP transport) */
  served: string[];
  close(): Promise<void>;
}

/**
 * `args`: Chromium flags for this Lab's browser only (e.g. --ignore-certificate-errors for the lab's self-signed wss);
 * `host`: the page server's loopback address (default 127.0.0.1); `executablePath`: another Chromium launcher
 * (fixtures/lab/phone-chromium.sh: the phone's namespace of fixtures/lab/path.sh); `loopbackIce: false` leaves
 * out --allow-loopback-in-peer-connection (no ICE candidate on lo)
 */
export async function launch(opts: { args?: string[]; host?: string; executablePath?: string; loopbackIce?: boolean } = {}): Promise<Lab> {
  const host = opts.host ?? '127.0.0.1';
  const served: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://page');
    served.push(url.pathname);
    const page = url.pathname === '/legacy.html';
    const lib = LIB.exec(url.pathname);
    const file = page ? 'demo/legacy.html' : lib ? `dist/${lib[1]}` : null;
    if (!file || !fs.existsSync(path.join(ROOT, file))) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': page ? 'text/html' : 'text/javascript', 'cache-control': 'no-store' });
    let body = fs.readFileSync(path.join(ROOT, file), 'utf8');
    // the demo pages take their server from window.DEMO (devstack/start.mjs sets it): here, the lab
    if (page) {
      const script = `lib/${url.searchParams.get('build') ?? 'kazoo.js'}`;
      body = body.replace('<script src="lib/kazoo.js"', `<script>window.DEMO = ${JSON.stringify({ wsUrl: WS_URL, realm: REALM })};</script><script src="${script}"`);
    }
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as { port: number }).port;
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kazoo-chromium-'));
  const ctx = await chromium.launchPersistentContext(userDataDir, {
    executablePath: opts.executablePath ?? process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [...CHROMIUM_ARGS.filter((a) => opts.loopbackIce !== false || a !== '--allow-loopback-in-peer-connection'), ...(opts.args ?? [])],
  });
  const baseUrl = `http://${host}:${port}`;
  let opened = 0;
  return {
    ctx,
    baseUrl,
    served,
    async open(name, opts = {}) {
      const page = await ctx.newPage();
      page.on('pageerror', (e) => console.log(`[${name}] pageerror ${e.message}`));
      const tone = opts.tone ?? PAGE_TONES[opened++ % PAGE_TONES.length];
      await instrument(page, tone);
      await page.goto(`${baseUrl}/legacy.html?build=${opts.build ?? 'kazoo.js'}`);
      await page.waitForFunction(() => (window as unknown as { events: { name: string }[] }).events.some((e) => e.name === 'onLoaded'), null, { timeout: 10_000 });
      return new PhonePage(page, name, tone);
    },
    async close() {
      await ctx.close().catch(() => undefined);
      await new Promise((r) => server.close(r));
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export interface Recorded { name: string; arg: Record<string, unknown> | null; t: number }

/** What a page receives now (instrument.js `__hearTone`): dominant frequency in 100–3800 Hz and level. */
export interface Heard {
  /**
   * 'webrtc': the newest live peer connection's remote audio; 'rtmp': what the RTMP transport plays;
   * 'output': what the phone's output element plays (the call heard when several are up)
   */
  via: HearVia;
  hz: number;
  /** level of the dominant bin, dBFS (about -20 for the tones the pages send) */
  peakDb: number;
  /** RMS of the last ~0.34 s, 0…1 (a page's tone: about 0.2) */
  rms: number;
  /** level at each probed frequency, dBFS */
  probes: Record<string, number>;
}

export type HearVia = 'webrtc' | 'rtmp' | 'output';

export interface ToneExpectation {
  timeout?: number;
  /** measure only this kind of tap (default: the newest live one of any kind) */
  via?: HearVia;
  /** ±Hz (default TONE_TOLERANCE_HZ) */
  tolerance?: number;
  /** the least RMS that counts as hearing it (default 0.02, a tenth of a page's tone) */
  minRms?: number;
  /** frequencies that must be at least 30 dB below the expected one (e.g. the transferor's tone) */
  absent?: number[];
}

/** how a measurement misses `hz` (null: it matches) */
export function toneMiss(heard: Heard | null, hz: number, o: ToneExpectation = {}): string | null {
  if (!heard) return 'nothing received';
  const tolerance = o.tolerance ?? TONE_TOLERANCE_HZ;
  if (heard.rms < (o.minRms ?? 0.02)) return `too quiet (rms ${heard.rms.toFixed(4)})`;
  if (Math.abs(heard.hz - hz) > tolerance) return `dominant ${heard.hz.toFixed(1)} Hz`;
  for (const other of o.absent ?? []) {
    if (heard.probes[other] > heard.peakDb - 30) return `${other} Hz present at ${heard.probes[other].toFixed(1)} dB (peak ${heard.peakDb.toFixed(1)} dB)`;
  }
  return null;
}

/** One test page: the legacy examples loaded, plus helpers to drive `kazoo` and read what it reported. */
export class PhonePage {
  private dialogAnswer: 'accept' | 'dismiss' = 'accept';

  /** `tone`: the frequency this page's microphone sends (see `setTone`) */
  constructor(readonly page: Page, readonly name: string, public tone: number) {
    page.on('dialog', (d) => void (this.dialogAnswer === 'accept' ? d.accept() : d.dismiss()));
  }

  /** what confirm() in the examples' onIncoming answers */
  answerIncoming(answer: 'accept' | 'dismiss'): void { this.dialogAnswer = answer; }

  /** Example 2, by its form and button, as a person would */
  async registerByForm(user: string, password = `secret${user}`, opts: { uriAsPrivate?: boolean } = {}): Promise<void> {
    const p = this.page;
    await p.fill('#realm', REALM);
    // the 2014 demo page put the SIP URI in publicIdentity; the document says privateIdentity
    await p.fill('#privateIdentity', opts.uriAsPrivate ? `sip:${user}@${REALM}` : user);
    await p.fill('#publicIdentity', opts.uriAsPrivate ? user : `sip:${user}@${REALM}`);
    await p.fill('#password', password);
    await p.click('#register');
  }

  async registerWith(params: Record<string, unknown>): Promise<void> {
    await this.page.evaluate((p) => (window as unknown as { registerWith(p: unknown): void }).registerWith(p), params);
  }

  eval<T>(fn: string): Promise<T> {
    return this.page.evaluate(fn) as Promise<T>;
  }

  async events(): Promise<Recorded[]> {
    return this.page.evaluate(() => (window as unknown as { events: Recorded[] }).events);
  }

  async count(name: string, key?: string): Promise<number> {
    return (await this.events()).filter((e) => e.name === name && (!key || e.arg?.key === key)).length;
  }

  /** waits until `name` (with catalogue `key`) was recorded more than `after` times; returns that event */
  async waitFor(name: string, opts: { key?: string; after?: number; timeout?: number } = {}): Promise<Recorded> {
    const deadline = Date.now() + (opts.timeout ?? 10_000);
    for (;;) {
      const all = (await this.events()).filter((e) => e.name === name && (!opts.key || e.arg?.key === opts.key));
      if (all.length > (opts.after ?? 0)) return all[opts.after ?? 0];
      if (Date.now() > deadline) {
        throw new Error(`[${this.name}] no ${name}${opts.key ? ` ${opts.key}` : ''} within ${opts.timeout ?? 10_000} ms; saw: ${JSON.stringify((await this.events()).map((e) => `${e.name}${e.arg?.key ? `:${e.arg.key}` : ''}`))}`);
      }
      await sleep(50);
    }
  }

  async inboundAudio(): Promise<{ bytesReceived: number; packetsReceived: number; totalAudioEnergy: number; codec: string | null } | null> {
    return this.page.evaluate(() => (window as unknown as { __inboundAudio(): Promise<null> }).__inboundAudio());
  }

  /** retunes this page's microphone, live calls included */
  async setTone(hz: number): Promise<void> {
    await this.page.evaluate((f) => (window as unknown as { __setTone(hz: number): void }).__setTone(f), hz);
    this.tone = hz;
  }

  /** what this page receives now (null: no live remote audio); `probes`: frequencies to report the level of */
  async hear(probes: number[] = [], via?: HearVia): Promise<Heard | null> {
    return this.page.evaluate(([p, v]) => (window as unknown as { __hearTone(p: number[], v?: HearVia): Heard | null }).__hearTone(p, v), [probes, via] as const);
  }

  /**
   * Waits until this page receives `hz` as its dominant frequency, loud enough (and, with `absent`, without
   * those frequencies); fails with what it heard.
   */
  async expectTone(hz: number, o: ToneExpectation = {}): Promise<Heard> {
    const timeout = o.timeout ?? 10_000;
    const deadline = Date.now() + timeout;
    for (;;) {
      const heard = await this.hear([hz, ...(o.absent ?? [])], o.via);
      const miss = toneMiss(heard, hz, o);
      if (!miss) return heard!;
      if (Date.now() > deadline) throw new Error(`[${this.name}] did not hear ${hz} Hz within ${timeout} ms: ${miss}; heard ${JSON.stringify(heard)}`);
      await sleep(100);
    }
  }

  /**
   * Waits until the level this page receives at `hz` is below `maxDb` (default -60 dBFS) and, with `maxRms`,
   * the whole window is that quiet (no tail of the tone left in it); fails with what it heard.
   */
  async expectNoTone(hz: number, o: { timeout?: number; maxDb?: number; maxRms?: number; via?: HearVia } = {}): Promise<Heard | null> {
    const timeout = o.timeout ?? 10_000;
    const deadline = Date.now() + timeout;
    for (;;) {
      const heard = await this.hear([hz], o.via);
      if (!heard || (heard.probes[hz] < (o.maxDb ?? -60) && heard.rms <= (o.maxRms ?? Infinity))) return heard;
      if (Date.now() > deadline) throw new Error(`[${this.name}] still hears ${hz} Hz after ${timeout} ms: ${JSON.stringify(heard)}`);
      await sleep(100);
    }
  }

  async clearEvents(): Promise<void> {
    await this.page.evaluate(() => { (window as unknown as { events: unknown[] }).events.length = 0; });
  }

  async close(): Promise<void> {
    await this.page.evaluate(() => (window as unknown as { kazoo: { logout(): Promise<void> } }).kazoo.logout()).catch(() => undefined);
    await this.page.close().catch(() => undefined);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
