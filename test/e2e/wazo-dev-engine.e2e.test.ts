/**
 * The Wazo dev engine (devstack/wazo-dev) as Wazo's Asterisk + calld + websocketd, seen from two real
 * Wazo.Phone pages in Chromium and a websocketd client per user: each leg of a call has its own SIP
 * Call-ID, and each user's call events carry exactly the Call-ID of that user's own SIP session (read
 * from its page); hold/resume and call_ended follow. calld's originate rings the user's own page first,
 * then the destination's, and calld's hangup ends both; every REST exchange is checked against Wazo's
 * OpenAPI specs. Each party sends its own tone and hears the other's. Last, `npm start -- --wazo`'s
 * Wazo phone demo page in two tabs: log in with its form, call with its buttons.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { instrument, PAGE_TONES, PhonePage, sleep } from '../support/e2e/browser';
import { ROOT } from '../support/e2e/lab';
import { connected, run, waitLog } from '../support/e2e/wazo-pages';
import { wazoE2e } from '../support/wazo-dev/e2e-suite';
import { waitEvent, type EventUser } from '../support/wazo-dev/websocketd-user';

jest.setTimeout(120_000);

const suite = wazoE2e();
const user = (name: string): Promise<EventUser> => suite.user(name);

/** The SIP Call-ID of the page's own session for the CallSession in `w[variable]`, and the calld call id the phone holds */
const sipIdsOf = (p: PhonePage, variable: string) => run<{ sipCallId: string; callId: string }>(p, `return { sipCallId: w.${variable}.sipCallId, callId: w.${variable}.callId };`);

test('a call between two pages: each leg its own SIP Call-ID; each user\'s websocketd events carry its page\'s own Call-ID; hold/resume; call_ended on both', async () => {
  const [ua, ub] = [await user('1001'), await user('1002')];
  const a = await suite.pages.phone('1001');
  const b = await suite.pages.phone('1002');
  await connected(a, b); // each hears the other's own tone

  const legA = await sipIdsOf(a, 'out');
  const legB = await sipIdsOf(b, 'current');
  expect(legA.sipCallId).toBeTruthy();
  expect(legB.sipCallId).toBeTruthy();
  expect(legA.sipCallId).not.toBe(legB.sipCallId); // as Asterisk: two dialogs

  for (const [u, own, other] of [[ua, legA, legB], [ub, legB, legA]] as const) {
    const created = await waitEvent(u, 'call_created', own.sipCallId);
    expect(created.data.user_uuid).toBe(u.uuid);
    await waitEvent(u, 'call_answered', own.sipCallId);
    // no event of this user names the other leg's Call-ID
    expect(u.events.filter((e) => e.data.sip_call_id === other.sipCallId)).toEqual([]);
    // the phone took its calld id from its own leg's call_created (matched by the SIP Call-ID)
    expect((await sipIdsOf(u === ua ? a : b, u === ua ? 'out' : 'current')).callId).toBe(created.data.call_id);
  }
  expect((await waitEvent(ua, 'call_created', legA.sipCallId)).data.is_caller).toBe(true);
  expect((await waitEvent(ub, 'call_created', legB.sipCallId)).data.is_caller).toBe(false);

  await run(a, 'await P.hold(w.out); return null;');
  await waitLog(a, 'onCallHeld 1002');
  expect((await waitEvent(ua, 'call_held', legA.sipCallId)).data.on_hold).toBe(true);
  await b.expectNoTone(a.tone, { timeout: 8000 });
  await run(a, 'await P.resume(w.out); return null;');
  expect((await waitEvent(ua, 'call_resumed', legA.sipCallId)).data.on_hold).toBe(false);
  await b.expectTone(a.tone, { absent: [b.tone] });
  await a.expectTone(b.tone, { absent: [a.tone] });
  expect(ub.events.filter((e) => e.name === 'call_held' || e.name === 'call_resumed')).toEqual([]);

  await run(a, 'P.hangup(w.out); return null;');
  await waitLog(b, 'onCallEnded 1001');
  await waitEvent(ua, 'call_ended', legA.sipCallId);
  await waitEvent(ub, 'call_ended', legB.sipCallId);
});

test('calld originate rings the user\'s own page first, then the destination\'s; both hear each other; calld hangup ends both pages', async () => {
  const [uc, ud] = [await user('1003'), await user('1004')];
  const c = await suite.pages.phone('1003');
  const d = await suite.pages.phone('1004');
  const made = await uc.client.calld.makeCall('1004', false) as unknown as { call_id: string; sip_call_id: string };

  // The user's own line rings first, showing whom it will call.
  await waitLog(c, 'onCallIncoming 1004');
  expect(await run<string[]>(d, 'return w.log;')).toEqual([]);
  await run(c, 'w.current = w.calls[w.calls.length - 1]; await P.accept(w.current); return null;');
  // Then the destination, called as the user.
  await waitLog(d, 'onCallIncoming 1003');
  // the destination takes its time: the user's page waits for the ACK with the answer meanwhile
  await sleep(4000);
  await run(d, 'w.current = w.calls[w.calls.length - 1]; await P.accept(w.current); return null;');
  await c.expectTone(d.tone, { absent: [c.tone], timeout: 15_000 });
  await d.expectTone(c.tone, { absent: [d.tone], timeout: 15_000 });

  const legC = await sipIdsOf(c, 'current');
  const legD = await sipIdsOf(d, 'current');
  expect(legC.sipCallId).toBe(made.sip_call_id);
  expect(legD.sipCallId).not.toBe(legC.sipCallId);
  expect((await waitEvent(uc, 'call_answered', legC.sipCallId)).data.call_id).toBe(made.call_id);
  await waitEvent(ud, 'call_answered', legD.sipCallId);

  expect(await uc.client.calld.cancelCall(made.call_id)).toBe(true);
  await waitLog(c, 'onCallEnded 1004');
  await waitLog(d, 'onCallEnded 1003');
  await waitEvent(uc, 'call_ended', legC.sipCallId);
  await waitEvent(ud, 'call_ended', legD.sipCallId);
  expect(await uc.client.calld.listCalls()).toEqual([]);
});

test('npm start -- --wazo: the Wazo phone demo page in two tabs, logged in by its form, calls with its buttons; both hear each other', async () => {
  // every port free (the lab's Kamailio holds 5060 in this namespace)
  const demo = spawn(process.execPath, [path.join(ROOT, 'devstack/start.mjs'), '--wazo', '--wazo-port', '0', '--port', '0', '--ws-port', '0', '--udp-port', '0', '--rtmp-port', '0', '--rtmp-http-port', '0'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  demo.stdout?.on('data', (d) => { output += d; });
  demo.stderr?.on('data', (d) => { output += d; });
  const exited = new Promise<number | null>((resolve) => demo.on('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 45_000;
    while (!/Wazo phone:\s+http/.test(output)) {
      if (Date.now() > deadline || demo.exitCode !== null) throw new Error(`npm start printed no Wazo phone URL:\n${output}`);
      await sleep(100);
    }
    const url = /Wazo phone:\s+(http:\/\/\S+)/.exec(output)![1];
    const tab = async (user: string, tone: number): Promise<PhonePage> => {
      const page: Page = await suite.pages.lab.ctx.newPage();
      await instrument(page, tone);
      await page.goto(url);
      await page.fill('#user', user);
      await page.fill('#password', `secret${user}`);
      await page.click('#logIn');
      await page.waitForSelector(`#state:has-text("connected as ${user}")`, { timeout: 15_000 });
      return new PhonePage(page, user, tone);
    };
    const a = await tab('1005', PAGE_TONES[0]);
    const b = await tab('1006', PAGE_TONES[1]);
    await a.page.fill('#number', '1006');
    await a.page.click('#call');
    await b.page.click('li[data-status="incoming"] button.accept', { timeout: 15_000 });
    await a.page.waitForSelector('li[data-status="in call"]', { timeout: 15_000 });
    await a.expectTone(b.tone, { absent: [a.tone], timeout: 15_000 });
    await b.expectTone(a.tone, { absent: [b.tone], timeout: 15_000 });
    await a.page.click('li[data-status="in call"] button.hangup');
    await b.page.waitForSelector('li[data-status="ended"]', { timeout: 10_000 });
    await Promise.all([a.page.close(), b.page.close()]);
  } finally {
    if (demo.exitCode === null) demo.kill('SIGTERM');
  }
  // SIGTERM stops every child it started (the engine included) and exits
  expect(await Promise.race([exited, sleep(15_000).then(() => 'still running')])).toBe(0);
});
