/**
 * Issue 13, WebRTC: an answered call survives what the signalling path does to it. The phone is the
 * product (dist/kazoo.js in Chromium); the far end is raw JsSIP in a Chromium of its own
 * (lib/survival-far-end.ts), calling through the lab's Kamailio with media relayed by rtpengine. Each
 * party sends its own tone and the other checks the frequency it receives.
 *
 * Kamailio (fixtures/lab/kamailio.cfg) is a plain registrar: no GRUU (gruu_enabled 0), no Outbound flow
 * tokens; in-dialog requests towards the phone go to the Contact's nathelper `;alias`, i.e. to the
 * connection the phone used when the dialog's remote target was last set. The phone's target-refresh
 * re-INVITE after reconnecting (transports/webrtc/dialog-refresh.ts) gets a new alias: that is what
 * makes the far end's later BYE, re-INVITE and NOTIFY reach it.
 */
import { REALM, WS_URL, contacts, labCreds, labGet, until } from '../support/e2e/lab';
import { PAGE_TONES, launch, sleep, type Lab, type PhonePage, type Recorded } from '../support/e2e/browser';
import { RawJsSipFarEnd } from '../support/e2e/survival-far-end';
import {
  Measured, epoch as epochOf, farCallsPhone, farGapsSince, sockEvents as phoneSockEvents, watchSockets as watchPhoneSockets,
} from '../support/e2e/survival-phone';

jest.setTimeout(120_000);

const PHONE = '1001';
const FAR = '1002';
const PHONE_HZ = PAGE_TONES[0];
const FAR_HZ = PAGE_TONES[5];

let lab: Lab;
let phone: PhonePage;
let far: RawJsSipFarEnd;

const measured = new Measured();
const note = (what: string, ms: number) => measured.note(what, ms);

async function registerPhone(extra: Record<string, unknown> = {}): Promise<void> {
  await phone.registerWith({ wsUrl: WS_URL, ...labCreds(PHONE, { reconnectDelay: 2000, ...extra }) });
  await phone.waitFor('onConnected');
  await phone.eval("window.autoAnswer = 'accept'");
}

const callUp = () => farCallsPhone(far, phone, PHONE, FAR_HZ);
const watchSockets = () => watchPhoneSockets(phone);
const sockEvents = () => phoneSockEvents(phone);
const epoch = (e: Recorded) => epochOf(phone, e);
const gapsSince = (from: number) => farGapsSince(far, PHONE_HZ, from);

async function endCall(): Promise<void> {
  if (!far || !phone) return;
  await phone.page.context().setOffline(false);
  await far.eval('far.hangup(); clearInterval(far.sampler)');
  await until('no call left on the phone', async () => !(await phone.eval<boolean>('kazoo.currentCall !== null')), 5000);
}

beforeAll(async () => {
  lab = await launch();
  phone = await lab.open('phone', { tone: PHONE_HZ });
  far = await RawJsSipFarEnd.open(FAR, FAR_HZ);
  await registerPhone();
}, 180_000);

beforeEach(async () => {
  await phone.clearEvents();
});

afterEach(endCall);

afterAll(async () => {
  measured.print('survival (WebRTC)');
  await far?.close();
  await phone?.close();
  await lab?.close();
});

test('server closes the WebSocket mid-call: registered again at once, dialog refreshed, audio never stops', async () => {
  await callUp();
  await far.eval(`far.sample(${PHONE_HZ})`);
  await watchSockets();
  await sleep(500);
  await phone.clearEvents();
  const kickedAt = Date.now();
  expect((await labGet(`/kick/${PHONE}`)).body).toMatch(/closed=1/);

  // legacy sequence: disconnected, reconnecting_notification {attempt 1}, onConnected
  const connected = await phone.waitFor('onConnected', { timeout: 5000 });
  const closedAt = (await sockEvents()).find((e) => e.what === 'close')!.t;
  const registeredMs = (await epoch(connected)) - closedAt;
  note('ws close → registered', registeredMs);
  const seq = (await phone.events()).map((e) => `${e.name}${e.arg?.key ? `:${e.arg.key}` : ''}`);
  expect(seq).toEqual(['onError:disconnected', 'onNotified:reconnecting_notification', 'onConnected']);
  expect((await phone.events())[1].arg).toMatchObject({ attempt: 1 });
  expect(registeredMs).toBeLessThanOrEqual(300);

  // the refresh re-INVITE reached the far end over the new connection
  await until('the far end got the refresh re-INVITE', async () => (await far.log()).some((l) => l.what === 'reinvite'), 3000);
  const refresh = (await far.log()).find((l) => l.what === 'reinvite')!;
  note('ws close → dialog refreshed (re-INVITE at far end)', refresh.t - closedAt);

  // the far end's in-dialog requests reach the phone: re-INVITE, NOTIFY
  const sipInBefore = await phone.eval<number>('__sipIn.length');
  expect(await far.eval('far.reinvite()')).toBe('ok');
  const notifyStatus = await far.eval<number | string>(`far.request('NOTIFY', ['Event: kazoo-test', 'Subscription-State: active'])`);
  const reached = (await phone.eval<{ firstLine: string }[]>(`__sipIn.slice(${sipInBefore})`)).map((m) => m.firstLine.split(' ')[0]);
  expect(reached).toEqual(expect.arrayContaining(['INVITE', 'NOTIFY']));
  // answered by the phone's JsSIP (not a proxy's 408/477/480 for a dead connection)
  expect([200, 489]).toContain(notifyStatus);

  // audio never stopped at the far end, and the phone still hears the far end
  // at least 2 s of samples (one every 100 ms) from just before the kick
  await sleep(Math.max(500, kickedAt + 2000 - Date.now()));
  const gaps = await gapsSince(kickedAt - 200);
  expect(gaps.samples).toBeGreaterThanOrEqual(10);
  expect(gaps.misses).toEqual([]);
  await phone.expectTone(FAR_HZ, { timeout: 2000 });
  expect(await phone.count('onHangup')).toBe(0);
  // one device, one binding
  expect((await contacts(PHONE)).count).toBe(1);

  // the far end's BYE reaches the phone
  const byeAt = Date.now();
  await far.eval('far.hangup()');
  const hangup = await phone.waitFor('onHangup', { timeout: 2000 });
  note('far BYE → phone onHangup (after refresh)', (await epoch(hangup)) - byeAt);
  expect(hangup.arg).toMatchObject({ originator: 'remote' });
});

test('the far end hangs up while the phone is offline: the phone learns it at once after reconnecting (no ghost)', async () => {
  await callUp();
  await watchSockets();
  await phone.page.context().setOffline(true);
  await labGet(`/kick/${PHONE}`);
  await phone.waitFor('onError', { key: 'disconnected', timeout: 5000 });
  await far.eval('far.hangup()');
  await until('the far end ended', async () => (await far.log()).some((l) => l.what === 'ended'), 3000);
  await sleep(1000);
  expect(await phone.count('onHangup')).toBe(0); // nothing could tell it yet
  await phone.page.context().setOffline(false);
  const hangup = await phone.waitFor('onHangup', { timeout: 10_000 });
  const opened = (await sockEvents()).filter((e) => e.what === 'open').pop()!.t;
  const learnedMs = (await epoch(hangup)) - opened;
  note('reconnected → ghost call ended', learnedMs);
  expect(learnedMs).toBeLessThanOrEqual(1000);
  await phone.waitFor('onConnected', { timeout: 5000 });
  expect((await contacts(PHONE)).count).toBe(1);
});

test('DTMF, mute and transfer while the socket is down: queued, sent after reconnecting; the call goes on', async () => {
  await callUp();
  await phone.page.context().setOffline(true);
  await labGet(`/kick/${PHONE}`);
  await phone.waitFor('onError', { key: 'disconnected', timeout: 5000 });
  await phone.eval("kazoo.sendDTMF('7'); kazoo.sendDTMF('#')");
  expect(await phone.eval<string>("new Promise(r => kazoo.muteMicrophone(true, () => r('ok'), (e) => r(e.key)))")).toBe('ok');
  await phone.eval(`kazoo.transfer('sip:1003@${REALM}')`);
  await sleep(500);
  expect(await phone.count('onHangup')).toBe(0);
  expect(await phone.count('onError')).toBe(1); // only `disconnected`
  expect((await far.log()).filter((l) => l.what !== 'reinvite')).toEqual([]);
  // mute is local (no SIP): the far end hears silence already
  await far.page.expectNoTone(PHONE_HZ, { timeout: 3000 });

  await phone.page.context().setOffline(false);
  await phone.waitFor('onConnected', { timeout: 10_000 });
  await until('INFO and REFER reached the far end', async () => {
    const log = await far.log();
    return log.filter((l) => l.what === 'info').length === 2 && log.some((l) => l.what === 'refer');
  }, 5000).catch(async (e) => { throw new Error(`${(e as Error).message}; far end saw ${JSON.stringify(await far.log())}`); });
  const log = await far.log();
  expect(log.filter((l) => l.what === 'info').map((l) => l.tone)).toEqual(['7', '#']);
  expect(log.find((l) => l.what === 'refer')).toMatchObject({ target: `sip:1003@${REALM}` });
  // the far end refused the transfer: reported, and the call goes on with audio both ways
  await phone.waitFor('onError', { key: 'transfer_failed', timeout: 5000 });
  expect(await phone.eval<string>("new Promise(r => kazoo.muteMicrophone(false, () => r('ok'), (e) => r(e.key)))")).toBe('ok');
  await far.page.expectTone(PHONE_HZ, { timeout: 5000 });
  await phone.expectTone(FAR_HZ, { timeout: 5000 });
  expect(await phone.count('onHangup')).toBe(0);
});

test('media dead while signalling is fine: the call ends after mediaTimeout with a clear source', async () => {
  await phone.eval('kazoo.logout()');
  await phone.clearEvents();
  await registerPhone({ mediaTimeout: 3000 });
  await callUp();
  // the far end stops sending (its track removed): nothing reaches the phone, SIP is untouched
  const stoppedAt = Date.now();
  await far.eval('Promise.all(far.session.connection.getSenders().map((s) => s.replaceTrack(null)))');
  const hangup = await phone.waitFor('onHangup', { timeout: 10_000 });
  const afterMs = (await epoch(hangup)) - stoppedAt;
  note('media stopped → onHangup (mediaTimeout 3000)', afterMs);
  expect(afterMs).toBeGreaterThanOrEqual(3000);
  expect(afterMs).toBeLessThan(6000);
  expect(hangup.arg).toMatchObject({ originator: 'local', message: 'Media Timeout', source: { protocol: 'webrtc', cause: 'Media Timeout' } });
  // the far end was told (BYE), no zombie on either side
  await until('the far end got the BYE', async () => (await far.log()).some((l) => l.what === 'ended' && l.originator === 'remote'), 3000);
});
