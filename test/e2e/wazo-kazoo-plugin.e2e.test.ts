/**
 * The legacy `kazoo` phone on a Wazo line through the facade's plugin hook: a page with dist/kazoo.js and
 * dist/kazoo-wazo.js runs `kazoo.use(Wazo.kazooPlugin)` and `kazoo.plugins.wazo.logIn(...)` with Wazo
 * credentials only, against the Wazo dev engine (devstack/wazo-dev). Registered on the user's WebRTC line
 * (the engine's registrar holds the legacy phone's binding), websocketd connected, the token renewed
 * (4 s tokens), a call to a `Wazo.Phone` page with each party's own tone heard at the other end, hangup,
 * logout; and a wrong password reported through onError with no secret in the console.
 */
import type { Page } from 'playwright-core';
import { createWazoDevServer, type WazoDevServer } from '../../devstack/wazo-dev';
import { instrument, launch, PhonePage, sleep, PAGE_TONES, type Lab } from '../support/e2e/browser';

jest.setTimeout(120_000);

let lab: Lab;
let wazo: WazoDevServer;
let server = '';
const engineLog: string[] = [];
const pages: Page[] = [];

/** every console line of `page`, to check that no secret reaches it */
function consoleOf(page: Page): string[] {
  const lines: string[] = [];
  page.on('console', (m) => lines.push(m.text()));
  page.on('pageerror', (e) => lines.push(`pageerror ${e.message}`));
  return lines;
}

/** a legacy page (demo/legacy.html with dist/kazoo.js), the Wazo build added and the plugin installed */
async function legacyPage(name: string): Promise<{ p: PhonePage; console: string[] }> {
  const p = await lab.open(name);
  pages.push(p.page);
  const lines = consoleOf(p.page);
  await p.page.addScriptTag({ url: `${lab.baseUrl}/lib/kazoo-wazo.js` });
  const same = await p.eval<boolean>('(() => { const api = kazoo.use(Wazo.kazooPlugin); return api === kazoo.plugins.wazo && kazoo.use(Wazo.kazooPlugin) === api; })()');
  expect(same).toBe(true);
  return { p, console: lines };
}

/** logs the legacy page in through the plugin; every callback records what it gets (instrument.js `record`) */
function logIn(p: PhonePage, username: string, password: string, extra = ''): Promise<boolean> {
  return p.eval<boolean>(`(async () => {
    const cb = (n) => (arg) => record(n, arg);
    const session = await kazoo.plugins.wazo.logIn({
      server: ${JSON.stringify(server)}, username: ${JSON.stringify(username)}, password: ${JSON.stringify(password)},
      onConnected: cb('onConnected'), onAccepted: cb('onAccepted'), onHangup: cb('onHangup'), onCancel: cb('onCancel'),
      onNotified: cb('onNotified'), onError: cb('onError'), ${extra}
    });
    return session !== null;
  })()`);
}

/** a `Wazo.Phone` page (dist/kazoo-wazo.js alone) logged in as `user`, connected, answering every call */
async function wazoPhonePage(user: string, tone: number): Promise<PhonePage> {
  const page = await lab.ctx.newPage();
  pages.push(page);
  await instrument(page, tone);
  await page.goto(`${lab.baseUrl}/legacy.html`, { waitUntil: 'load' });
  await page.addScriptTag({ url: `${lab.baseUrl}/lib/kazoo-wazo.js` });
  await page.evaluate(async ([host, login]) => {
    const w = window as unknown as { Wazo: any; record(n: string, a: unknown): void };
    w.Wazo.Auth.init('kazoo-e2e-callee');
    w.Wazo.Auth.setHost(host);
    await w.Wazo.Auth.logIn(login, `secret${login}`);
    const P = w.Wazo.Phone;
    P.on(P.ON_CALL_INCOMING, (cs: { number: string }) => { w.record('onCallIncoming', { number: cs.number }); void P.accept(cs); });
    P.on(P.ON_CALL_ENDED, (cs: { number: string }) => w.record('onCallEnded', { number: cs.number }));
    await P.connect();
  }, [server, user] as const);
  return new PhonePage(page, user, tone);
}

beforeAll(async () => {
  wazo = createWazoDevServer({ host: '127.0.0.1', port: 0, logLevel: 'info', logSink: (line) => { if (engineLog.length < 10_000) engineLog.push(line); } });
  server = (await wazo.start()).server;
  lab = await launch({ args: ['--ignore-certificate-errors'] });
});
afterEach(async () => {
  for (const page of pages.splice(0)) {
    await page.evaluate('(async () => { await window.kazoo?.plugins?.wazo?.logout(); await window.Wazo?.Phone?.disconnect(); })()').catch(() => undefined);
    await page.close().catch(() => undefined);
  }
});
afterAll(async () => {
  await lab?.close();
  await wazo?.stop();
});

test('logIn with Wazo credentials registers kazoo on the WebRTC line, websocketd up, token renewed; a call to Wazo.Phone with both tones; hangup; logout', async () => {
  const { p: a, console: aConsole } = await legacyPage('1001');
  // 4 s tokens: the call below outlives several of them
  expect(await logIn(a, '1001', 'secret1001', 'expiration: 4')).toBe(true);
  await a.waitFor('onConnected');

  // the dev engine's registrar holds the legacy phone's binding on 1001's line
  const bindings = wazo.sip.contacts('1001');
  expect(bindings).toHaveLength(1);
  expect(bindings[0].userAgent).toMatch(/^kazoo-js\//);
  expect(await a.eval('kazoo.params.wsUrl')).toBe(`wss://${server}/api/asterisk/ws`);
  expect(await a.eval('kazoo.plugins.wazo.line.username')).toBe('1001');
  const firstToken = await a.eval<string>('kazoo.plugins.wazo.session.token');
  await a.page.waitForFunction('kazoo.plugins.wazo.Websocket.isOpen()', null, { timeout: 10_000 });
  await a.eval("(() => { kazoo.plugins.wazo.Websocket.on('call_created', (e) => record('call_created', { sip_call_id: e.data.sip_call_id })); })()");

  const b = await wazoPhonePage('1002', PAGE_TONES.find((hz) => hz !== a.tone)!);
  await a.eval("kazoo.plugins.wazo.call('1002')");
  await b.waitFor('onCallIncoming', { timeout: 15_000 });
  await a.waitFor('onAccepted', { timeout: 15_000 });
  await a.expectTone(b.tone, { absent: [a.tone] });
  await b.expectTone(a.tone, { absent: [b.tone] });
  // websocketd, on the token in use at the time, told 1001 about its own leg
  const created = await a.waitFor('call_created');
  expect(created.arg?.sip_call_id).toEqual(expect.any(String));

  // two token lifetimes later: a renewed token, websocketd still open on it, REST answering with it
  await sleep(8_500);
  const token = await a.eval<string>('kazoo.plugins.wazo.session.token');
  expect(token).not.toBe(firstToken);
  expect(engineLog.some((l) => l.includes('token refreshed for 1001'))).toBe(true);
  expect(await a.eval<boolean>('kazoo.plugins.wazo.Websocket.isOpen()')).toBe(true);
  expect(await a.eval('kazoo.plugins.wazo.api.confd.getInfos().then((i) => typeof i.uuid)')).toBe('string');
  await a.expectTone(b.tone, { absent: [a.tone] }); // the call went on through it all

  await a.eval('kazoo.hangup()');
  await a.waitFor('onHangup');
  await b.waitFor('onCallEnded');

  await a.eval('kazoo.plugins.wazo.logout()');
  for (let i = 0; i < 50 && wazo.sip.contacts('1001').length > 0; i++) await sleep(100);
  expect(wazo.sip.contacts('1001')).toHaveLength(0);
  expect(await a.eval('kazoo.plugins.wazo.isLoggedIn')).toBe(false);
  expect(await a.eval('kazoo.plugins.wazo.Websocket.isOpen()')).toBe(false);
  expect(await a.count('onError')).toBe(0);

  const secrets = ['secret1001', firstToken, token];
  expect(aConsole.filter((l) => secrets.some((s) => l.includes(s)))).toEqual([]);
});

test('a wrong password: unauthorized (401) through onError, nothing registered, no secret in the console', async () => {
  const { p, console: lines } = await legacyPage('1003');
  expect(await logIn(p, '1003', 'not-the-password-1003')).toBe(false);
  const error = await p.waitFor('onError', { key: 'unauthorized' });
  expect(error.arg).toMatchObject({ key: 'unauthorized', message: 'Invalid credentials.', code: 401, source: { plugin: 'wazo', service: 'auth' } });
  expect(await p.eval('kazoo.plugins.wazo.isLoggedIn')).toBe(false);
  expect(await p.count('onConnected')).toBe(0);
  expect(wazo.sip.contacts('1003')).toHaveLength(0);
  expect(lines.filter((l) => l.includes('not-the-password-1003') || l.includes('secret1003'))).toEqual([]);
  // and the right one then works on the same page
  expect(await logIn(p, '1003', 'secret1003')).toBe(true);
  await p.waitFor('onConnected');
});
