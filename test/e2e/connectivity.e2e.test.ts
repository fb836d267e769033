/**
 * The connectivity monitor in a real browser with a real link going down and up: run by test/run.sh
 * in a namespace with LAB_ONLINE=1 (a veth pair kzA/kzB that never leaves the namespace; with
 * loopback alone Chromium says offline for ever and fires no events).
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { REALM, WS_URL } from '../support/e2e/lab';
import { launch, sleep, type Lab, type PhonePage } from '../support/e2e/browser';

jest.setTimeout(60_000);

const hasLink = Object.keys(os.networkInterfaces()).includes('kzA');
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'ignore' });
function linkDown() {
  ip('link', 'set', 'kzA', 'down');
  ip('link', 'set', 'kzB', 'down');
}
function linkUp() {
  ip('link', 'set', 'kzA', 'up');
  ip('link', 'set', 'kzB', 'up');
  ip('addr', 'replace', '10.254.254.1/30', 'dev', 'kzA');
  ip('addr', 'replace', '10.254.254.2/30', 'dev', 'kzB');
}

let lab: Lab;
let page: PhonePage;

beforeAll(async () => {
  if (!hasLink) throw new Error('run with LAB_ONLINE=1 fixtures/lab/netns-run.sh (test/run.sh does)');
  lab = await launch();
  page = await lab.open('A');
  await page.registerWith({ wsUrl: WS_URL, realm: REALM, privateIdentity: '1005', publicIdentity: `sip:1005@${REALM}`, password: 'secret1005' });
  await page.waitFor('onConnected');
});
afterAll(async () => {
  try { linkUp(); } catch { /* already up */ }
  await page?.close();
  await lab?.close();
});

test('offline then online: connectivity_notification with status, time and history', async () => {
  expect(await page.eval<boolean>('navigator.onLine')).toBe(true);
  linkDown();
  const off = await page.waitFor('onNotified', { key: 'connectivity_notification' });
  expect(off.arg).toMatchObject({
    key: 'connectivity_notification', status: 'offline', message: 'You have lost your connection to the network.',
    source: { protocol: 'engine', monitor: 'connectivity' },
  });
  expect(Object.keys(off.arg!).sort()).toEqual(['history', 'key', 'message', 'source', 'status', 'time']);
  linkUp();
  const on = await page.waitFor('onNotified', { key: 'connectivity_notification', after: 1 });
  expect(on.arg).toMatchObject({
    key: 'connectivity_notification', status: 'online', message: 'You have recovered your connection to the network.',
    source: { protocol: 'engine', monitor: 'connectivity' },
  });
  expect((on.arg as { history: unknown[] }).history).toHaveLength(2);
  expect(typeof (on.arg as { time: string }).time).toBe('string');
  const history = await page.eval<{ status: string }[]>('kazoo.getConnectivityHistory()');
  expect(history.map((h) => h.status)).toEqual(['offline', 'online']);
});

test('back online with a healthy connection: the connection is checked, not torn down', async () => {
  await sleep(3000); // the keep-alive probe (2 s at most) has answered
  expect(await page.count('onNotified', 'reconnecting_notification')).toBe(0);
  expect(await page.count('onError')).toBe(0);
  expect(await page.count('onConnected')).toBe(1);
});

test('monitorConnectivity(false) stops the notifications', async () => {
  await page.eval('kazoo.monitorConnectivity(false)');
  const before = await page.count('onNotified', 'connectivity_notification');
  linkDown();
  await sleep(2500);
  linkUp();
  await sleep(1500);
  expect(await page.count('onNotified', 'connectivity_notification')).toBe(before);
  await page.eval('kazoo.monitorConnectivity(true)');
  linkDown();
  await page.waitFor('onNotified', { key: 'connectivity_notification', after: before });
  linkUp();
});

test('monitorConnectivity(false) holds across a later init() and register(), until the page turns it on', async () => {
  await page.eval('kazoo.monitorConnectivity(false)');
  await page.eval('kazoo.logout()');
  // a page that initialises again (as Example 1 does on load) and registers: still off
  await page.eval("new Promise(r => kazoo.init({ onLoaded: r }))");
  await page.clearEvents();
  await page.registerWith({ wsUrl: WS_URL, realm: REALM, privateIdentity: '1005', publicIdentity: `sip:1005@${REALM}`, password: 'secret1005' });
  await page.waitFor('onConnected');
  linkDown();
  await sleep(2500);
  linkUp();
  await sleep(1500);
  expect(await page.count('onNotified', 'connectivity_notification')).toBe(0);
  await page.eval('kazoo.monitorConnectivity(true)');
  linkDown();
  const off = await page.waitFor('onNotified', { key: 'connectivity_notification' });
  expect(off.arg).toMatchObject({ status: 'offline', source: { protocol: 'engine', monitor: 'connectivity' } });
  linkUp();
});
