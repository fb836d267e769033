/**
 * The RTMP transport end to end: a Chromium page with `forceRTMP: true` (dist/kazoo-rtmp.js) reaches
 * the project's SIP–RTMP gateway through its WebSocket tunnel; the gateway registers with Kamailio over
 * UDP and bridges calls to RTP, which rtpengine turns into DTLS-SRTP for a Chromium page on WebRTC.
 * Audio is measured by the receiving side on both ends.
 */
import { createRtmpGateway, type RtmpGateway } from '../../gateway';
import { contacts, labGet, REALM, WS_URL, labCreds } from '../support/e2e/lab';
import { launch, sleep, type Lab, type PhonePage } from '../support/e2e/browser';

jest.setTimeout(120_000);

let lab: Lab;
let gateway: RtmpGateway;
let rtmp: PhonePage;
let webrtc: PhonePage;

const creds = labCreds;

async function rtmpPhone(name: string, user: string, extra: Record<string, unknown> = {}): Promise<PhonePage> {
  const p = await lab.open(name);
  await p.eval("new Promise(r => kazoo.init({ forceRTMP: true, onLoaded: r }))");
  expect(await p.eval('kazoo.version')).toBe('rtmp');
  await p.registerWith(creds(user, { rtmpUrl: 'rtmp://127.0.0.1/sip', ...extra }));
  return p;
}


beforeAll(async () => {
  gateway = createRtmpGateway({ sipServer: { host: '127.0.0.1', port: 5060 }, logLevel: 'warn' });
  await gateway.start();
  lab = await launch();
  webrtc = await lab.open('webrtc-1006');
  await webrtc.eval("window.autoAnswer = 'accept'");
  await webrtc.registerWith({ wsUrl: WS_URL, ...creds('1006') });
  await webrtc.waitFor('onConnected');
  rtmp = await rtmpPhone('rtmp-1005', '1005');
  await rtmp.waitFor('onConnected', { timeout: 15_000 });
});

afterAll(async () => {
  await rtmp?.close();
  await webrtc?.close();
  await lab?.close();
  await gateway?.stop();
});

/** `p` (a WebRTC page) measured inbound audio: bytes growing, `from`'s tone (not its own, nor `absent`'s) */
async function audioAt(p: PhonePage, from: PhonePage, absent: PhonePage[] = []): Promise<void> {
  await p.expectTone(from.tone, { absent: [p.tone, ...absent.map((x) => x.tone)] });
  const a = await p.inboundAudio();
  await sleep(600);
  expect((await p.inboundAudio())!.bytesReceived).toBeGreaterThan(a!.bytesReceived);
}

/** the RTMP page `p` plays `from`'s tone (not its own, nor `absent`'s) */
const playsTone = (p: PhonePage, from: PhonePage, absent: PhonePage[] = []) =>
  p.expectTone(from.tone, { absent: [p.tone, ...absent.map((x) => x.tone)] });

/** after a call: each page saw exactly one onHangup (counted since `since`) and no onCancel */
async function oneHangupEach(since: Record<string, number>, ...pages: PhonePage[]): Promise<void> {
  await sleep(500);
  for (const p of pages) {
    expect(await p.count('onHangup')).toBe(since[p.name] + 1);
    expect(await p.count('onCancel')).toBe(0);
  }
}

async function hangupCounts(...pages: PhonePage[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const p of pages) out[p.name] = await p.count('onHangup');
  return out;
}

// DTMF *reception* (RFC 4733 events and SIP INFO decoded by a SIP far end) is in rtmp-far-end.e2e.test.ts:
// Chromium does not expose received telephone-events to the page.
test('RTMP page calls the WebRTC page: audio measured on both ends, sendDTMF accepted, hang-up from the caller', async () => {
  const since = await hangupCounts(rtmp, webrtc);
  await rtmp.eval(`kazoo.connect('sip:1006@${REALM}')`);
  await rtmp.waitFor('onAccepted', { timeout: 15_000 });
  await webrtc.waitFor('onAccepted');
  // WebRTC side hears the RTMP page's microphone (its tone through worklet, μ-law, gateway, rtpengine)
  await audioAt(webrtc, rtmp);
  // RTMP side plays what the WebRTC page sends
  await playsTone(rtmp, webrtc);
  await rtmp.eval("kazoo.sendDTMF('5')");
  await sleep(500);
  expect(await rtmp.count('onError')).toBe(0);
  await rtmp.eval('kazoo.hangup()');
  await webrtc.waitFor('onHangup', { after: since[webrtc.name] });
  await rtmp.waitFor('onHangup', { after: since[rtmp.name] });
  await oneHangupEach(since, rtmp, webrtc);
});

test('the WebRTC page calls the RTMP page, which answers; audio on both ends; hang-up from the far end', async () => {
  await rtmp.eval("window.autoAnswer = 'accept'");
  const since = await hangupCounts(rtmp, webrtc);
  await webrtc.eval(`kazoo.connect('sip:1005@${REALM}')`);
  const inc = await rtmp.waitFor('onIncoming', { timeout: 15_000 });
  expect(inc.arg).toMatchObject({ callerNumber: '1006' });
  await rtmp.waitFor('onAccepted', { after: 1, timeout: 15_000 });
  await webrtc.waitFor('onAccepted', { after: 1 });
  await playsTone(rtmp, webrtc);
  await audioAt(webrtc, rtmp);
  await webrtc.eval('kazoo.hangup()');
  await rtmp.waitFor('onHangup', { after: since[rtmp.name] });
  await webrtc.waitFor('onHangup', { after: since[webrtc.name] });
  await oneHangupEach(since, rtmp, webrtc);
});

test('the WebRTC page calls the RTMP page; audio on both ends; the RTMP page (callee) hangs up', async () => {
  const since = await hangupCounts(rtmp, webrtc);
  const accepted = await rtmp.count('onAccepted');
  await webrtc.eval(`kazoo.connect('sip:1005@${REALM}')`);
  await rtmp.waitFor('onAccepted', { after: accepted, timeout: 15_000 });
  await playsTone(rtmp, webrtc);
  await audioAt(webrtc, rtmp);
  await rtmp.eval('kazoo.hangup()');
  await webrtc.waitFor('onHangup', { after: since[webrtc.name] });
  await rtmp.waitFor('onHangup', { after: since[rtmp.name] });
  await oneHangupEach(since, rtmp, webrtc);
  await rtmp.eval('window.autoAnswer = undefined');
});

test('voicemail NOTIFY relayed by the gateway; wrong password', async () => {
  await labGet('/mwi/1005/4/1');
  const n = await rtmp.waitFor('onNotified', { key: 'voicemail_notification' });
  expect(n.arg).toMatchObject({ newMessages: 4, oldMessages: 1, messagesWaiting: true, source: { protocol: 'rtmp' } });
  // the 2014 Kazoo body order too, and each NOTIFY reported once
  await labGet('/mwi/1005/3/9?order=legacy');
  const legacy = await rtmp.waitFor('onNotified', { key: 'voicemail_notification', after: 1 });
  expect(legacy.arg).toMatchObject({ newMessages: 3, oldMessages: 9, messagesWaiting: true, source: { protocol: 'rtmp' } });
  await sleep(500);
  expect(await rtmp.count('onNotified', 'voicemail_notification')).toBe(2);
  const bad = await rtmpPhone('rtmp-bad', '1007', { password: 'wrong' });
  const e = await bad.waitFor('onError', { timeout: 15_000 });
  // Kamailio answers a wrong password 403 (LAB_AUTH_FAIL_401 not set): the gateway passes that status on
  expect(e.arg).toMatchObject({ key: 'unauthorized', message: 'Invalid credentials.', code: 403, source: { protocol: 'rtmp', code: 403 } });
  await sleep(2500); // no reconnect loop on a wrong password
  expect(await bad.count('onNotified', 'reconnecting_notification')).toBe(0);
  expect(await bad.count('onConnected')).toBe(0);
  expect(await bad.count('onError')).toBe(1);
  expect((await contacts('1007')).count).toBe(0);
  await bad.close();
});

test('blind transfer from the RTMP page: the WebRTC callee follows to a third page', async () => {
  const c = await lab.open('webrtc-1007');
  await c.eval("window.autoAnswer = 'accept'");
  await c.registerWith({ wsUrl: WS_URL, ...creds('1007') });
  await c.waitFor('onConnected');
  const accepted = await webrtc.count('onAccepted');
  const hangups = await rtmp.count('onHangup');
  await rtmp.eval(`kazoo.connect('sip:1006@${REALM}')`);
  await webrtc.waitFor('onAccepted', { after: accepted });
  await rtmp.eval(`kazoo.transfer('sip:1007@${REALM}')`);
  await rtmp.waitFor('onTransfer', { timeout: 10_000 });
  await webrtc.waitFor('onNotified', { key: 'transfer_notification' });
  expect((await c.waitFor('onIncoming')).arg).toMatchObject({ callerNumber: '1006' });
  await c.waitFor('onAccepted');
  // the far ends hear each other, not the transferor
  await audioAt(c, webrtc, [rtmp]);
  // the transferor's leg ends once the target answered (the gateway hangs up on the final sipfrag)
  await rtmp.waitFor('onHangup', { after: hangups, timeout: 10_000 });
  // and the transferee hears the target on its new call
  await audioAt(webrtc, c, [rtmp]);
  const transfereeHangups = await webrtc.count('onHangup');
  await c.eval('kazoo.hangup()');
  await webrtc.waitFor('onHangup', { after: transfereeHangups });
  await c.close();
});

test('the WebRTC page transfers the RTMP page: the gateway follows the REFER, the RTMP page talks to the target', async () => {
  const c = await lab.open('webrtc-1009');
  await c.eval("window.autoAnswer = 'accept'");
  await c.registerWith({ wsUrl: WS_URL, ...creds('1009') });
  await c.waitFor('onConnected');
  await webrtc.eval("window.autoAnswer = 'accept'");
  const accepted = await webrtc.count('onAccepted');
  const rtmpAccepted = await rtmp.count('onAccepted');
  const transfers = await rtmp.count('onTransfer');
  const rtmpHangups = await rtmp.count('onHangup');
  const webrtcHangups = await webrtc.count('onHangup');
  await rtmp.eval(`kazoo.connect('sip:1006@${REALM}')`);
  await webrtc.waitFor('onAccepted', { after: accepted });
  await rtmp.waitFor('onAccepted', { after: rtmpAccepted, timeout: 15_000 });
  // JsSIP sends REFER through Kamailio to the gateway, which calls the target on the RTMP user's behalf
  await webrtc.eval(`kazoo.transfer('sip:1009@${REALM}')`);
  await webrtc.waitFor('onTransfer', { timeout: 10_000 });
  await rtmp.waitFor('onTransfer', { after: transfers, timeout: 10_000 });
  const note = await rtmp.waitFor('onNotified', { key: 'transfer_notification' });
  expect(note.arg).toMatchObject({ source: { protocol: 'rtmp' } });
  await c.waitFor('onAccepted', { timeout: 15_000 });
  // the RTMP user's audio now reaches the target, and the target's reaches the RTMP page
  await audioAt(c, rtmp, [webrtc]);
  await playsTone(rtmp, c, [webrtc]);
  // the transferor's leg is over; the RTMP page's call goes on until the target hangs up: one onHangup
  await webrtc.waitFor('onHangup', { after: webrtcHangups, timeout: 10_000 });
  expect(await rtmp.count('onHangup')).toBe(rtmpHangups);
  await c.eval('kazoo.hangup()');
  await rtmp.waitFor('onHangup', { after: rtmpHangups, timeout: 10_000 });
  await sleep(1000);
  expect(await rtmp.count('onHangup')).toBe(rtmpHangups + 1);
  await c.close();
});

// last: the shared pages lose their connection here
test('the gateway stopped and started again: disconnected, reconnecting, onConnected again (shared monitor)', async () => {
  const p = await rtmpPhone('rtmp-1008', '1008', { reconnectDelay: 2000 });
  await p.waitFor('onConnected', { timeout: 15_000 });
  await gateway.stop();
  try {
    expect((await p.waitFor('onError')).arg).toMatchObject({ key: 'disconnected', source: { protocol: 'rtmp' } });
    await p.waitFor('onNotified', { key: 'reconnecting_notification', after: 1, timeout: 15_000 });
  } finally {
    gateway = createRtmpGateway({ sipServer: { host: '127.0.0.1', port: 5060 }, logLevel: 'warn' });
    await gateway.start();
  }
  await p.waitFor('onConnected', { after: 1, timeout: 15_000 });
  expect(await p.eval<boolean>('kazoo.isReconnecting')).toBe(false);
  // registered again for real: one binding, and a call with audio both ways works
  expect((await contacts('1008')).count).toBe(1);
  const accepted = await webrtc.count('onAccepted');
  await webrtc.eval("window.autoAnswer = 'accept'");
  await p.eval(`kazoo.connect('sip:1006@${REALM}')`);
  await p.waitFor('onAccepted', { timeout: 15_000 });
  await webrtc.waitFor('onAccepted', { after: accepted });
  await audioAt(webrtc, p);
  await playsTone(p, webrtc);
  await p.eval('kazoo.hangup()');
  await p.waitFor('onHangup');
  await p.close();
});
