/**
 * Which global script a forceRTMP page includes: dist/kazoo.js (and .min.js) fetch the RTMP transport's
 * code from beside themselves at init(), dist/kazoo-rtmp.js carries it; a WebRTC page never fetches it;
 * code that cannot be fetched means onFlashMissing, as a missing Flash movie did in 2014.
 * Each page registers through the project's gateway against Kamailio, so the fetched code really runs.
 */
import { createRtmpGateway, type RtmpGateway } from '../../gateway';
import { REALM, WS_URL, labCreds } from '../support/e2e/lab';
import { launch, type GlobalBuild, type Lab } from '../support/e2e/browser';

jest.setTimeout(90_000);

let lab: Lab;
let gateway: RtmpGateway;

const creds = labCreds;
const transportFetches = () => lab.served.filter((p) => p.startsWith('/lib/kazoo-rtmp-transport'));

beforeAll(async () => {
  gateway = createRtmpGateway({ sipServer: { host: '127.0.0.1', port: 5060 }, logLevel: 'warn' });
  await gateway.start();
  lab = await launch();
});

afterAll(async () => {
  await lab?.close();
  await gateway?.stop();
});

test('a WebRTC page never fetches the RTMP transport', async () => {
  const before = transportFetches().length;
  const p = await lab.open('webrtc-1004', { build: 'kazoo.min.js' });
  await p.registerWith({ wsUrl: WS_URL, ...creds('1004') });
  await p.waitFor('onConnected');
  expect(await p.eval('kazoo.version')).toBe('webrtc');
  expect(transportFetches().length).toBe(before);
  await p.close();
});

test.each<[GlobalBuild, string]>([
  ['kazoo.js', '/lib/kazoo-rtmp-transport.js'],
  ['kazoo.min.js', '/lib/kazoo-rtmp-transport.min.js'],
  ['kazoo-rtmp.js', '(nowhere: built in)'],
])('forceRTMP with %s: the transport comes from %s, registers through the gateway', async (build, fetched) => {
  const before = transportFetches().length;
  const p = await lab.open(`rtmp-${build}`, { build });
  await p.eval("new Promise(r => kazoo.init({ forceRTMP: true, onLoaded: r }))");
  expect(await p.eval('kazoo.version')).toBe('rtmp');
  expect(transportFetches().slice(before)).toEqual(fetched.startsWith('/') ? [fetched] : []);
  await p.registerWith({ rtmpUrl: 'rtmp://127.0.0.1/sip', ...creds('1003') });
  await p.waitFor('onConnected', { timeout: 15_000 });
  await p.eval('kazoo.logout()');
  await p.close();
});

test('register() straight after init(), before the code arrived, still registers', async () => {
  const p = await lab.open('rtmp-early');
  // registerWith = kazoo.register with the instrumented callbacks (test/e2e/pages/instrument.js)
  await p.eval(`kazoo.init({ forceRTMP: true }); registerWith(${JSON.stringify({ rtmpUrl: 'rtmp://127.0.0.1/sip', ...creds('1003') })})`);
  await p.waitFor('onConnected', { timeout: 15_000 });
  await p.eval('kazoo.logout()');
  await p.close();
});

test('RTMP code that cannot be fetched: onFlashMissing with the container, no onLoaded', async () => {
  const p = await lab.open('rtmp-missing');
  const loadedBefore = await p.count('onLoaded');
  await p.eval(`new Promise(r => kazoo.init({ forceRTMP: true, rtmpScriptUrl: 'lib/nowhere.js',
    onLoaded: r, onFlashMissing: (c) => { c.className = 'flash-missing'; console.log('onFlashMissing'); r(); } }))`);
  expect(await p.count('onFlashMissing')).toBe(1);
  expect(await p.count('onLoaded')).toBe(loadedBefore);
  expect(await p.eval("document.querySelectorAll('.flash-missing').length")).toBe(1);
  await p.close();
});

test('a browser without RTCPeerConnection gets RTMP without asking: kazoo.js fetches it, registers through the gateway', async () => {
  const before = transportFetches().length;
  const p = await lab.open('no-webrtc');
  // what a page on a browser with WebRTC switched off sees (the 2014 library's reason for RTMP)
  await p.eval("delete window.RTCPeerConnection; window.RTCPeerConnection = undefined; new Promise(r => kazoo.init({ onLoaded: r }))");
  expect(await p.eval('kazoo.version')).toBe('rtmp');
  expect(transportFetches().slice(before)).toEqual(['/lib/kazoo-rtmp-transport.js']);
  await p.registerWith({ rtmpUrl: 'rtmp://127.0.0.1/sip', ...creds('1003') });
  await p.waitFor('onConnected', { timeout: 15_000 });
  await p.eval('kazoo.logout()');
  await p.close();
});

test('a browser without AudioWorklet cannot run RTMP: the page\'s own onFlashMissing (demo/legacy.html), then transport_unavailable', async () => {
  const p = await lab.open('no-worklet');
  const loaded = await p.count('onLoaded');
  // legacy.html's paramsInit has the 2014 example's onFlashMissing, which fills the container
  await p.eval("window.AudioWorkletNode = undefined; kazoo.init(Object.assign({}, paramsInit, { forceRTMP: true }))");
  await p.waitFor('onFlashMissing');
  expect(await p.count('onLoaded')).toBe(loaded);
  expect(await p.eval("document.querySelector('.flash-missing') && document.querySelector('.flash-missing').textContent")).toMatch(/requires the Adobe Flash Player/);
  await p.registerWith({ rtmpUrl: 'rtmp://127.0.0.1/sip', ...creds('1003') });
  expect((await p.waitFor('onError')).arg).toMatchObject({ key: 'transport_unavailable' });
  await p.close();
});
