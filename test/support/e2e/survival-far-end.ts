/**
 * A far end that shares no code with the product: raw JsSIP (bundled from node_modules, as bench/ does)
 * in a Chromium of its own (so that taking the phone's browser offline leaves it online), with the
 * test instrumentation's tone and tone meter (test/e2e/pages/instrument.js). It registers over the lab's
 * WebSocket and calls the phone with media relayed by rtpengine.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ROOT } from './lab';
import { CHROMIUM_ARGS, PhonePage, instrument } from './browser';
import { jssipBrowserScript } from './jssip-bundle';

const PAGE = path.join(ROOT, 'test/e2e/pages/survival-far-end.html');
export interface FarLog { what: 'ended' | 'reinvite' | 'info' | 'refer'; t: number; [k: string]: unknown }

export class RawJsSipFarEnd {
  private constructor(private readonly browser: Browser, private readonly server: http.Server, readonly page: PhonePage) {}

  static async open(user: string, toneHz: number): Promise<RawJsSipFarEnd> {
    const js = jssipBrowserScript();
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    const p = await (await browser.newContext()).newPage();
    p.on('pageerror', (e) => console.log(`[far ${user}] pageerror ${e.message}`));
    // a real loopback server (a page fulfilled by a Playwright route counts as non-local, and Chromium's
    // local-network-access checks then block its WebSocket to 127.0.0.1)
    const html = fs.readFileSync(PAGE, 'utf8');
    const server = http.createServer((req, res) => {
      const script = req.url === '/jssip.js';
      res.writeHead(200, { 'content-type': script ? 'text/javascript' : 'text/html' });
      res.end(script ? js : html);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    await instrument(p, toneHz);
    await p.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/far.html`);
    const far = new RawJsSipFarEnd(browser, server, new PhonePage(p, `far ${user}`, toneHz));
    try {
      await far.eval(`Promise.race([far.register('${user}'), new Promise((_, no) => setTimeout(() => no(new Error('far end ${user}: no registration within 15 s')), 15000))])`);
    } catch (e) {
      await far.close(); // its browser would keep the test process alive
      throw e;
    }
    return far;
  }

  eval<T>(js: string): Promise<T> { return this.page.eval<T>(js); }

  log(): Promise<FarLog[]> { return this.eval('far.log'); }

  async close(): Promise<void> {
    await this.eval('far.hangup(); new Promise(r => { far.ua.once("disconnected", r); far.ua.stop(); setTimeout(r, 2000); })').catch(() => undefined);
    await this.browser.close().catch(() => undefined);
    await new Promise((r) => this.server.close(r));
  }
}
