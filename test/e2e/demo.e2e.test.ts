/**
 * The main job as a newcomer runs it: `node devstack/start.mjs` (what `npm start` runs) as a child
 * process with its embedded development SIP server, the URL it printed opened in two Chromium tabs,
 * a call placed with the demo's buttons, audio measured by both tabs, a voicemail left; then one tab on
 * RTMP (through the gateway npm start runs, whose WebRTC leg speaks ICE + DTLS-SRTP to the other tab)
 * calls and is called by a tab on WebRTC; then SIGTERM stops everything and frees the ports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../support/e2e/lab';
import { INSTRUMENT, PAGE_TONES, PhonePage, instrument, launch, sleep, type Lab } from '../support/e2e/browser';
import type { Page } from 'playwright-core';

jest.setTimeout(90_000);

let lab: Lab;
let demo: ChildProcess;
let output = '';
const port = 18000 + Math.floor(Math.random() * 1000);

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}\n${output}`);
    await sleep(100);
  }
}

/** docs/<name>.png with UPDATE_SCREENSHOTS=1 (so test runs leave the tree clean), else a temp file. */
const shot = (p: Page, name: string) => p.screenshot({ path: process.env.UPDATE_SCREENSHOTS === '1' ? path.join(ROOT, `docs/${name}.png`) : path.join(os.tmpdir(), `kazoo-${name}.png`) });

/** each tab's microphone sends its own tone (a PhonePage over the tab measures what it receives) */
let tabs = 0;
const phoneOf = new Map<Page, PhonePage>();

async function tab(url: string, user: string, rtmp = false): Promise<Page> {
  const page = await lab.ctx.newPage();
  const tone = PAGE_TONES[tabs++ % PAGE_TONES.length];
  await instrument(page, tone);
  phoneOf.set(page, new PhonePage(page, `tab ${user}`, tone));
  await page.goto(url);
  await page.waitForSelector('#state:has-text("ready")');
  if (rtmp) {
    // the switch re-inits kazoo with forceRTMP; the transport label shows what the engine picked
    await page.check('#forceRTMP');
    await page.waitForSelector('#transport:has-text("rtmp")');
    await page.waitForSelector('#state:has-text("ready")');
  }
  await page.fill('#user', user);
  await page.fill('#password', `secret${user}`);
  await page.click('#register');
  await page.waitForSelector(`#state:has-text("registered as ${user}")`);
  return page;
}

/** tab `p` receives `from`'s tone, not its own */
const hears = (p: Page, from: Page) => phoneOf.get(p)!.expectTone(phoneOf.get(from)!.tone, { timeout: 8000, absent: [phoneOf.get(p)!.tone] });

beforeAll(async () => {
  lab = await launch();
  // the lab's Kamailio holds 5060 in this namespace: the embedded server takes free ports
  demo = spawn(process.execPath, [path.join(ROOT, 'devstack/start.mjs'), '--port', String(port), '--ws-port', '0', '--udp-port', '0', '--rtmp-port', '0', '--rtmp-http-port', '0'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  demo.stdout?.on('data', (d) => { output += d; });
  demo.stderr?.on('data', (d) => { output += d; });
  // a loaded 2-core machine takes 15 s and more to start it (TypeScript compiled at start-up)
  await waitFor('the demo prints its URL', () => output.includes(`http://127.0.0.1:${port}/`), 45_000);
});

afterAll(async () => {
  if (demo && demo.exitCode === null) demo.kill('SIGKILL');
  await lab?.close();
});

test('two tabs of the demo phone call each other and hear it', async () => {
  const url = /phone:\s+(http:\/\/\S+)/.exec(output)![1];
  const a = await tab(url, '1001');
  const b = await tab(url, '1002');
  await a.fill('#target', '1002');
  await a.click('#call');
  await b.waitForSelector('#state:has-text("ringing")');
  await b.click('#answer');
  await a.waitForSelector('#state:has-text("in a call")');
  await b.waitForSelector('#state:has-text("in a call")');
  await hears(a, b);
  await hears(b, a);
  // docs/demo-in-call.png is refreshed with UPDATE_SCREENSHOTS=1 (so test runs leave the tree clean)
  await a.screenshot({ path: process.env.UPDATE_SCREENSHOTS === '1' ? path.join(ROOT, 'docs/demo-in-call.png') : path.join(os.tmpdir(), 'kazoo-demo-in-call.png') });
  await a.click('#hangup');
  await b.waitForSelector('#state:has-text("registered")');
  // "Leave a voicemail" for 1002: the embedded server sends 1002 an MWI NOTIFY
  await a.click('#voicemail');
  await b.waitForSelector('#log :text("voicemail_notification")');
  await a.close();
  await b.close();
});

test('a tab on RTMP (force RTMP) and a tab on WebRTC call each other through the gateway and hear it', async () => {
  const url = /phone:\s+(http:\/\/\S+)/.exec(output)![1];
  const a = await tab(url, '1003', true);
  const b = await tab(url, '1004');
  await shot(a, 'demo-rtmp-registered');

  // RTMP → WebRTC: the gateway offers ICE + DTLS-SRTP to the browser
  await a.fill('#target', '1004');
  await a.click('#call');
  await b.waitForSelector('#state:has-text("ringing")');
  await b.click('#answer');
  await a.waitForSelector('#state:has-text("in a call")');
  await b.waitForSelector('#state:has-text("in a call")');
  await hears(b, a);
  await hears(a, b);
  await shot(a, 'demo-rtmp-in-call');
  await a.click('#hangup');
  await b.waitForSelector('#state:has-text("registered")');
  await a.waitForSelector('#state:has-text("registered")');

  // WebRTC → RTMP: the browser's SAVPF offer gets the gateway's WebRTC leg
  await b.fill('#target', '1003');
  await b.click('#call');
  await a.waitForSelector('#state:has-text("ringing")');
  await shot(a, 'demo-rtmp-ringing');
  await a.click('#answer');
  await a.waitForSelector('#state:has-text("in a call")');
  await b.waitForSelector('#state:has-text("in a call")');
  await hears(b, a);
  await hears(a, b);
  await b.click('#hangup');
  await a.waitForSelector('#state:has-text("registered")');
  await a.close();
  await b.close();
});

test('the legacy page (the 2014 examples) registers against the embedded server with its form', async () => {
  const url = /legacy page:\s+(http:\/\/\S+)/.exec(output)![1];
  const page = await lab.ctx.newPage();
  await page.addInitScript({ path: INSTRUMENT });
  await page.goto(url);
  await page.waitForSelector('#loginForm', { state: 'visible' }); // Example 1's onLoaded shows it
  await page.click('#register'); // Example 2 with the form's demo values (1001 / secret1001)
  await page.waitForFunction(() => (window as unknown as { events: { name: string }[] }).events.some((e) => e.name === 'onConnected'), null, { timeout: 10_000 });
  await page.close();
});

test('SIGTERM stops it, the SIP server and the gateway with it, and frees the ports', async () => {
  const sipWs = /SIP server:\s+ws:\/\/127\.0\.0\.1:(\d+)/.exec(output)![1];
  const gateway = /RTMP gateway:\s+rtmp:\/\/127\.0\.0\.1:(\d+)\/sip, tunnel ws:\/\/127\.0\.0\.1:(\d+)/.exec(output)!;
  demo.kill('SIGTERM');
  await waitFor('exit', () => demo.exitCode !== null, 10_000);
  expect(demo.exitCode).toBe(0);
  const free = (p: number) => new Promise<boolean>((resolve) => {
    const s = net.createServer().once('error', () => resolve(false)).listen(p, '127.0.0.1', () => s.close(() => resolve(true)));
  });
  expect(await free(port)).toBe(true);
  expect(await free(Number(sipWs))).toBe(true);
  expect(await free(Number(gateway[1]))).toBe(true);
  expect(await free(Number(gateway[2]))).toBe(true);
});
