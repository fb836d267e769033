/**
 * RTMPT as the browser's fallback: the RTMP page's WebSocket tunnel cannot open (its `rtmpTunnelUrl`
 * names a path the gateway refuses to upgrade, as a proxy that passes only plain HTTP would), so the
 * RTMP transport falls back to RTMPT (POST /open/1, /send, /idle on the same HTTP port). Calls both
 * ways with audio measured at both ends; that RTMPT carried them is checked from both sides: the page's
 * own requests and the gateway's log of how each session came in.
 */
import { createRtmpGateway, type RtmpGateway } from '../../gateway';
import { REALM, WS_URL, labCreds, until } from '../support/e2e/lab';
import { launch, sleep, type Lab, type PhonePage } from '../support/e2e/browser';
import { SipFarEnd } from '../support/e2e/sip-far-end';

jest.setTimeout(120_000);

let lab: Lab;
let gateway: RtmpGateway;
let rtmp: PhonePage;
let webrtc: PhonePage;
/** a SIP phone of the test's own, for what a Chromium page cannot observe (DTMF in the media) */
let far: SipFarEnd | undefined;
const gatewayLog: string[] = [];
/** `METHOD /path` of every HTTP request the RTMP page made to the gateway's port */
const tunnelRequests: string[] = [];
/** WebSockets the RTMP page opened towards the gateway, and whether each failed */
const tunnelSockets: { url: string; failed: boolean }[] = [];

const BAD_TUNNEL = 'ws://127.0.0.1:1936/no-websocket-here';

const creds = labCreds;


const rtmptCount = (kind: 'open' | 'send' | 'idle' | 'close') => tunnelRequests.filter((r) => r.startsWith(`POST /${kind}/`)).length;

/** the WebRTC page's inbound audio grows and is the RTMP page's tone; the RTMP page plays the WebRTC page's */
async function audioBothEnds(): Promise<void> {
  await webrtc.expectTone(rtmp.tone, { absent: [webrtc.tone] });
  const a = await webrtc.inboundAudio();
  await sleep(1000);
  const b = await webrtc.inboundAudio();
  expect(b!.bytesReceived).toBeGreaterThan(a!.bytesReceived);
  await rtmp.expectTone(webrtc.tone, { absent: [rtmp.tone] });
}

beforeAll(async () => {
  gateway = createRtmpGateway({
    sipServer: { host: '127.0.0.1', port: 5060 },
    logLevel: 'debug',
    logSink: (line) => { if (gatewayLog.length < 50_000) gatewayLog.push(line); },
  });
  await gateway.start();
  lab = await launch();
  webrtc = await lab.open('webrtc-1006');
  await webrtc.registerWith({ wsUrl: WS_URL, ...creds('1006') });
  await webrtc.waitFor('onConnected');

  rtmp = await lab.open('rtmp-1005-rtmpt');
  rtmp.page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.port === '1936') tunnelRequests.push(`${r.method()} ${u.pathname}`);
  });
  rtmp.page.on('websocket', (ws) => {
    const entry = { url: ws.url(), failed: false };
    tunnelSockets.push(entry);
    ws.on('socketerror', () => { entry.failed = true; });
    ws.on('close', () => { entry.failed = true; });
  });
  await rtmp.eval("new Promise(r => kazoo.init({ forceRTMP: true, onLoaded: r }))");
  expect(await rtmp.eval('kazoo.version')).toBe('rtmp');
  await rtmp.registerWith(creds('1005', { rtmpUrl: 'rtmp://127.0.0.1/sip', rtmpTunnelUrl: BAD_TUNNEL }));
  await rtmp.waitFor('onConnected', { timeout: 25_000 });
});

afterAll(async () => {
  await far?.stop();
  await rtmp?.close();
  await webrtc?.close();
  await lab?.close();
  await gateway?.stop();
});

test('the WebSocket tunnel fails, the page registers over RTMPT (seen by the page and by the gateway)', async () => {
  // the page tried the WebSocket first, and it did not open
  expect(tunnelSockets.map((s) => s.url)).toEqual([BAD_TUNNEL]);
  expect(tunnelSockets[0].failed).toBe(true);
  expect(await rtmp.eval<number[]>('__sockets.map(s => s.readyState)')).toEqual([3]);
  // then RTMPT: one session opened, bytes sent and polled
  expect(rtmptCount('open')).toBe(1);
  expect(tunnelRequests).toContain('POST /open/1');
  expect(rtmptCount('send')).toBeGreaterThan(0);
  expect(rtmptCount('idle')).toBeGreaterThan(0);
  // the gateway: the session came in over RTMPT, none over the WebSocket tunnel
  expect(gatewayLog.filter((l) => / new rtmpt connection/.test(l))).toHaveLength(1);
  expect(gatewayLog.filter((l) => / new ws connection/.test(l))).toHaveLength(0);
  expect(gatewayLog.some((l) => /sip:?1005@lab\.test registered|1005@lab\.test registered/.test(l))).toBe(true);
  expect(gateway.stats().sessions).toBe(1);
});

test('over RTMPT: the RTMP page calls the WebRTC page, audio measured at both ends, the far end hangs up', async () => {
  await webrtc.eval("window.autoAnswer = 'accept'");
  const before = rtmptCount('send') + rtmptCount('idle');
  await rtmp.eval(`kazoo.connect('sip:1006@${REALM}')`);
  await rtmp.waitFor('onAccepted', { timeout: 15_000 });
  await webrtc.waitFor('onAccepted');
  await audioBothEnds();
  // the media went through the tunnel's requests (20 ms frames: dozens of requests per second)
  expect(rtmptCount('send') + rtmptCount('idle') - before).toBeGreaterThan(50);
  await webrtc.eval('kazoo.hangup()');
  await rtmp.waitFor('onHangup');
  await sleep(500);
  expect(await rtmp.count('onHangup')).toBe(1);
  expect(await rtmp.count('onCancel')).toBe(0);
  expect(rtmptCount('open')).toBe(1); // the same RTMPT session all along
});

test('over RTMPT: the WebRTC page calls the RTMP page, which answers; audio at both ends; the RTMP page hangs up', async () => {
  await rtmp.eval("window.autoAnswer = 'accept'");
  await webrtc.clearEvents();
  await rtmp.clearEvents();
  await webrtc.eval(`kazoo.connect('sip:1005@${REALM}')`);
  expect((await rtmp.waitFor('onIncoming', { timeout: 15_000 })).arg).toMatchObject({ callerNumber: '1006' });
  await rtmp.waitFor('onAccepted', { timeout: 15_000 });
  await webrtc.waitFor('onAccepted');
  await audioBothEnds();
  await rtmp.eval('kazoo.hangup()');
  await webrtc.waitFor('onHangup');
  await rtmp.waitFor('onHangup');
  await sleep(500);
  expect(await webrtc.count('onHangup')).toBe(1);
  expect(await rtmp.count('onHangup')).toBe(1);
  expect(rtmptCount('open')).toBe(1);
  expect(gatewayLog.filter((l) => / new ws connection/.test(l))).toHaveLength(0);
});

test('over RTMPT: DTMF from the RTMP page reaches a SIP far end as RFC 4733 events, in order', async () => {
  far = await SipFarEnd.register('1002');
  far.mode = { answer: true, dtmfPt: 101 };
  await rtmp.clearEvents();
  await rtmp.eval(`kazoo.connect('sip:1002@${REALM}')`);
  await rtmp.waitFor('onAccepted', { timeout: 15_000 });
  await until('the far end answered', () => far?.state === 'confirmed');
  await far.expectTone(rtmp.tone, { absent: [far.toneHz] });
  await rtmp.expectTone(far.toneHz, { absent: [rtmp.tone] });
  await rtmp.eval("kazoo.sendDTMF('4'); kazoo.sendDTMF('*'); kazoo.sendDTMF('9')");
  await until('three complete telephone-events at the far end', () => far!.dtmf.length >= 3 && far!.dtmf.every((e) => e.ended), 5000);
  await sleep(300);
  expect(far.digits()).toBe('4*9');
  expect(far.received('INFO')).toHaveLength(0);
  expect(await far.hangup()).toBe(200);
  await rtmp.waitFor('onHangup');
  expect(await rtmp.count('onError')).toBe(0);
  expect(rtmptCount('open')).toBe(1); // still the one RTMPT session
});
