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

export interface Lab {
  ctx: BrowserContext;
  baseUrl: string;
  /** `build`: which global script the page includes (default kazoo.js, which fetches RTMP's code if init picks it) */
  open(name: string, opts?: { build?: GlobalBuild }): Promise<PhonePage>;
  /** the paths the page server answered, in order (e.g. whether a page fetched the RTMP transport) */
  served: string[];
  close(): Promise<void>;
}

export async function launch(): Promise<Lab> {
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
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kazoo-chromium-'));
  const ctx = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS,
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    ctx,
    baseUrl,
    served,
    async open(name, opts = {}) {
      const page = await ctx.newPage();
      page.on('pageerror', (e) => console.log(`[${name}] pageerror ${e.message}`));
      await page.addInitScript({ path: INSTRUMENT });
      await page.goto(`${baseUrl}/legacy.html?build=${opts.build ?? 'kazoo.js'}`);
      await page.waitForFunction(() => (window as unknown as { events: { name: string }[] }).events.some((e) => e.name === 'onLoaded'), null, { timeout: 10_000 });
      return new PhonePage(page, name);
    },
    async close() {
      await ctx.close().catch(() => undefined);
      await new Promise((r) => server.close(r));
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export interface Recorded { name: string; arg: Record<string, unknown> | null; t: number }

/** One test page: the legacy examples loaded, plus helpers to drive `kazoo` and read what it reported. */
export class PhonePage {
  private dialogAnswer: 'accept' | 'dismiss' = 'accept';

  constructor(readonly page: Page, readonly name: string) {
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

  async clearEvents(): Promise<void> {
    await this.page.evaluate(() => { (window as unknown as { events: unknown[] }).events.length = 0; });
  }

  async close(): Promise<void> {
    await this.page.evaluate(() => (window as unknown as { kazoo: { logout(): Promise<void> } }).kazoo.logout()).catch(() => undefined);
    await this.page.close().catch(() => undefined);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
