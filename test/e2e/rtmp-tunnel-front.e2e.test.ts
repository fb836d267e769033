/**
 * Browsers reach an existing siprtmp gateway through the tunnel-only front (issue 10, item 3): rtmplite's
 * siprtmp.py (RTMP over TCP only) registered at the lab's Kamailio, `kazoo-rtmp-gateway --upstream` (the
 * built CLI, its own process) in front of it, and two Chromium pages with `forceRTMP`: one through the
 * front's WebSocket tunnel, one through its RTMPT. Both register, one calls the other through siprtmp.py
 * and SIP, and each page hears the other's tone (distinct frequencies). Skipped, with the reason printed,
 * where siprtmp.py cannot run.
 */
import { REALM, labCreds } from '../support/e2e/lab';
import { launch, sleep, type Lab, type PhonePage } from '../support/e2e/browser';
import { siprtmpUnavailable, startSiprtmp, type SiprtmpPeer } from '../support/e2e/siprtmp-peer';
import { startGatewayProcess, type GatewayProcess } from '../support/e2e/gateway-process';

jest.setTimeout(180_000);

const UNAVAILABLE = siprtmpUnavailable();
if (UNAVAILABLE) console.log(`SKIPPED rtmp-tunnel-front.e2e: the original siprtmp gateway cannot run here: ${UNAVAILABLE}`);
const suite = UNAVAILABLE ? describe.skip : describe;

const SIPRTMP_PORT = 19550;
const FRONT_PORT = 19570;

let peer: SiprtmpPeer | null = null;
let front: GatewayProcess | null = null;
let lab: Lab;
let viaWs: PhonePage;
let viaRtmpt: PhonePage;
/** `METHOD /path` of every request the RTMPT page made to the front, and the WebSockets the other opened */
const rtmptRequests: string[] = [];
const sockets: string[] = [];

suite('a Chromium page through the tunnel-only front to siprtmp.py', () => {
  beforeAll(async () => {
    peer = await startSiprtmp({ port: SIPRTMP_PORT });
    front = await startGatewayProcess(['--upstream', `rtmp://127.0.0.1:${SIPRTMP_PORT}`, '--http', `127.0.0.1:${FRONT_PORT}`, '--log-level', 'info'], [FRONT_PORT]);
    lab = await launch();
    viaWs = await lab.open('front-ws-1005');
    viaRtmpt = await lab.open('front-rtmpt-1007');
    viaWs.page.on('websocket', (ws) => sockets.push(ws.url()));
    viaRtmpt.page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.port === String(FRONT_PORT)) rtmptRequests.push(`${r.method()} ${u.pathname.replace(/\/[0-9a-f]{32}\//, '/<id>/')}`);
    });
    expect(viaWs.tone).not.toBe(viaRtmpt.tone);
  });

  afterAll(async () => {
    await viaWs?.close();
    await viaRtmpt?.close();
    await lab?.close();
    await front?.stop();
    await peer?.stop();
  });

  test('both pages register through the front (WebSocket tunnel, RTMPT), one upstream connection each', async () => {
    for (const page of [viaWs, viaRtmpt]) await page.eval('new Promise(r => kazoo.init({ forceRTMP: true, onLoaded: r }))');
    await viaWs.registerWith(labCreds('1005', { rtmpUrl: 'rtmp://127.0.0.1/sip', rtmpTunnelUrl: `ws://127.0.0.1:${FRONT_PORT}/rtmp` }));
    await viaRtmpt.registerWith(labCreds('1007', { rtmpUrl: `rtmpt://127.0.0.1:${FRONT_PORT}/sip` }));
    await viaWs.waitFor('onConnected', { timeout: 20_000 });
    await viaRtmpt.waitFor('onConnected', { timeout: 20_000 });
    expect(sockets).toEqual([`ws://127.0.0.1:${FRONT_PORT}/rtmp`]);
    expect(rtmptRequests.filter((r) => r === 'POST /open/1')).toHaveLength(1);
    const log = front!.log();
    expect(log).toMatch(new RegExp(`tunnel 1: new ws session, connecting to 127\\.0\\.0\\.1:${SIPRTMP_PORT}`));
    expect(log).toMatch(/tunnel 2: new rtmpt session/);
    expect(log).not.toMatch(/secret100[57]/);
  });

  test('the WebSocket page calls the RTMPT page through siprtmp.py: each hears the other’s tone; hang-up ends both', async () => {
    await viaRtmpt.eval("window.autoAnswer = 'accept'");
    await viaWs.eval(`kazoo.connect('sip:1007@${REALM}')`);
    expect((await viaRtmpt.waitFor('onIncoming', { timeout: 15_000 })).arg).toMatchObject({ callerNumber: '1005' });
    await viaWs.waitFor('onAccepted', { timeout: 15_000 });
    await viaRtmpt.waitFor('onAccepted', { timeout: 15_000 });
    const atRtmpt = await viaRtmpt.expectTone(viaWs.tone, { timeout: 15_000, absent: [viaRtmpt.tone] });
    const atWs = await viaWs.expectTone(viaRtmpt.tone, { timeout: 15_000, absent: [viaWs.tone] });
    console.log(`front call: RTMPT page heard ${atRtmpt.hz.toFixed(1)} Hz (sent ${viaWs.tone}), WebSocket page heard ${atWs.hz.toFixed(1)} Hz (sent ${viaRtmpt.tone})`);
    await viaWs.eval('kazoo.hangup()');
    await viaWs.waitFor('onHangup');
    await viaRtmpt.waitFor('onHangup', { timeout: 10_000 });
    await sleep(500);
    expect(await viaWs.count('onError')).toBe(0);
    expect(await viaRtmpt.count('onError')).toBe(0);
  });

  test('logout closes each tunnel session and its upstream connection together; siprtmp.py is still running', async () => {
    await viaWs.eval('kazoo.logout()');
    await viaRtmpt.eval('kazoo.logout()');
    const deadline = Date.now() + 10_000;
    while (!/tunnel 2: closed/.test(front!.log()) || !/tunnel 1: closed/.test(front!.log())) {
      if (Date.now() > deadline) throw new Error(`sessions not closed:\n${front!.log()}`);
      await sleep(100);
    }
    expect(front!.log()).toMatch(/tunnel 1: closed \(client closed\) after [\d.]+ s, \d+ bytes up, \d+ bytes down/);
    expect(peer!.alive()).toBe(true);
  });
});
