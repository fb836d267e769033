// Issue 13, the rows in the plain lab (phones and far ends on 127.0.0.1): the far end hangs up while
// the phone is offline; DTMF, mute and transfer asked for while the socket is down; media dead for 30 s
// while signalling is fine; a laptop sleep (the page's JS paused 20 s, its TCP connection black-holed).
// "Offline" is what the e2e tests do: the phone's browser context offline and the lab dropping its
// connection (/kick), so no reconnect can succeed until it is back online.
import { REALM, blackhole, kick, phonePort } from './lab.mjs';
import { PAIRS, sideBySide } from './parties.mjs';
import { count, line, ms, ok, sleep, title, verdict, within } from './report.mjs';

/** every phone offline and its connection dropped; resolves once each saw it (its `disconnected`) */
async function takeOffline(pairs) {
  const at = Date.now();
  for (const { phone } of Object.values(pairs)) {
    await phone.ctx.setOffline(true);
    await kick(phone.user);
  }
  for (const { phone, kind } of Object.values(pairs)) {
    if (!(await phone.firstEvent('onError', at, 5000, 'disconnected'))) throw new Error(`${kind}: no disconnected after the kick`);
  }
  return at;
}

async function bringOnline(pairs) {
  const at = Date.now();
  for (const { phone } of Object.values(pairs)) await phone.ctx.setOffline(false);
  return at;
}

/** registered again after `since` (raw JsSIP's back-off can take ~30 s): the event, or null */
const registeredAgain = (phone, since) => phone.firstEvent('onConnected', since, 35_000);

export async function hangupWhileOffline(env, n) {
  const out = await sideBySide(env, n, {
    async event(pairs) {
      const offAt = await takeOffline(pairs);
      for (const { far } of Object.values(pairs)) await far.hangup();
      await sleep(1000);
      return { offAt, onlineAt: await bringOnline(pairs) };
    },
    async measure({ phone }, { offAt, onlineAt }) {
      const early = await phone.firstEvent('onHangup', offAt);
      if (early && early.at < onlineAt) return { learned: NaN, ghost: false, early: true };
      // learnt at reconnecting, or (a ghost) not within 3 s of being registered again
      const reg = await registeredAgain(phone, onlineAt);
      const hang = await phone.firstEvent('onHangup', offAt, reg ? Math.max(0, reg.at + 3000 - Date.now()) : 0);
      const opened = (await phone.marks()).find((m) => m.what === 'open' && m.t >= onlineAt);
      return { learned: hang && opened ? hang.at - opened.t : NaN, ghost: !hang, early: false };
    },
  });
  const text = (r) => (ok(r).some((x) => !x.ghost) ? ms(ok(r).map((x) => x.learned), r.length) : '') + (ok(r).some((x) => x.ghost) ? ` ghost call ${count(r.map((x) => x?.ghost))}` : '');
  title('the far end hangs up while the phone is offline (browser offline + the lab drops its socket; online 1 s later)', n);
  line('reconnected -> call ended (onHangup)', text(out.kazoo).trim(), text(out.raw).trim(), verdict('<= 1000 ms, no ghost', within(ok(out.kazoo).map((x) => x.learned), 1000) && ok(out.kazoo).length === n));
}

export async function requestsWhileDown(env, n) {
  const out = await sideBySide(env, n, {
    async event(pairs) {
      const offAt = await takeOffline(pairs);
      for (const { phone } of Object.values(pairs)) {
        await phone.eval(() => { phone.dtmf('7'); phone.dtmf('#'); });
        await phone.eval(() => phone.mute(true));
        await phone.eval((t) => phone.transfer(t), `sip:1009@${REALM}`);
      }
      await sleep(500);
      return { offAt, onlineAt: await bringOnline(pairs) };
    },
    async measure({ phone, far, kind }, { offAt, onlineAt }) {
      const endedOffline = await phone.firstEvent('onHangup', offAt);
      const reg = await registeredAgain(phone, onlineAt);
      // what reached the far end: the two INFOs and the REFER, once the phone is back (5 s at most)
      const end = (reg ? reg.at : Date.now()) + 5000;
      let log = [];
      while (Date.now() < end) {
        log = await far.log();
        if (log.filter((l) => l.what === 'info').length >= 2 && log.some((l) => l.what === 'refer')) break;
        await sleep(100);
      }
      await phone.eval(() => phone.mute(false)).catch(() => undefined);
      const hang = await phone.firstEvent('onHangup', offAt);
      // the call goes on: no hangup, and audio both ways after unmuting
      const { phoneHz, farHz } = PAIRS[kind];
      const audio = !hang && (await far.waitHears(phoneHz, 5000)) && (await phone.waitHears(farHz, 5000));
      return {
        delivered: log.filter((l) => l.what === 'info').length === 2 && log.some((l) => l.what === 'refer'),
        survived: !hang && audio,
        ended: hang ? `${hang.arg?.source?.cause ?? hang.arg?.cause ?? hang.arg?.message ?? 'ended'}${endedOffline ? ' (while offline)' : ''}` : null,
      };
    },
  });
  const text = (r) => {
    const causes = [...new Set(ok(r).map((x) => x.ended).filter(Boolean))];
    return `sent after ${count(r.map((x) => x?.delivered))}, call up ${count(r.map((x) => x?.survived))}${causes.length ? `; ended: ${causes.join(', ')}` : ''}`;
  };
  title('DTMF (7, #), mute and a transfer asked for while the socket is down (as above), then online again', n);
  line('queued and sent after reconnecting; call up', text(out.kazoo), text(out.raw), verdict('every run, never ends the call', out.kazoo.every((x) => x?.delivered && x.survived)));
}

/** kazoo-js's default `mediaTimeout` (docs/api.md) */
const MEDIA_TIMEOUT_MS = 30_000;

export async function mediaDead(env, n) {
  const horizon = MEDIA_TIMEOUT_MS + 6000;
  const out = await sideBySide(env, n, {
    async event(pairs) {
      const stoppedAt = Date.now();
      // the far ends stop sending (their tracks removed): nothing reaches the phones, SIP untouched
      await Promise.all(Object.values(pairs).map(({ far }) => far.eval(() => Promise.all(far.session.connection.getSenders().map((s) => s.replaceTrack(null))))));
      return { stoppedAt };
    },
    async measure({ phone, far }, { stoppedAt }) {
      const hang = await phone.firstEvent('onHangup', stoppedAt, Math.max(0, stoppedAt + horizon - Date.now()));
      await sleep(500);
      const farTold = (await far.log()).some((l) => l.what === 'ended' && l.originator === 'remote');
      return { ended: hang ? hang.at - stoppedAt : NaN, cause: hang?.arg?.source?.cause ?? hang?.arg?.cause ?? null, farTold };
    },
  });
  const text = (r) => {
    const causes = [...new Set(ok(r).map((x) => x.cause).filter(Boolean))];
    const zombies = ok(r).filter((x) => !Number.isFinite(x.ended)).length;
    return `${ok(r).some((x) => Number.isFinite(x.ended)) ? ms(ok(r).map((x) => x.ended), r.length) : ''}${causes.length ? ` '${causes.join("', '")}'` : ''}${zombies ? ` zombie ${zombies}/${r.length} (up ${horizon / 1000} s on)` : ''}`.trim();
  };
  title(`media dead while signalling is fine (the far ends stop sending; kazoo-js mediaTimeout ${MEDIA_TIMEOUT_MS / 1000} s, its default)`, n);
  line('media stopped -> onHangup, with its cause', text(out.kazoo), text(out.raw), verdict("ends with a cause, far end told", out.kazoo.every((x) => Number.isFinite(x?.ended) && x.cause && x.farTold)));
  line('  far end told (BYE)', count(out.kazoo.map((x) => x?.farTold)), count(out.raw.map((x) => x?.farTold)), '');
}

const SLEEP_MS = 20_000;

/** pauses the pages' JavaScript (CDP Debugger.pause, as the e2e test does) for `ms`; `during` runs meanwhile */
async function freeze(pages, ms, during) {
  const sessions = [];
  for (const page of pages) {
    const cdp = await page.context().newCDPSession(page);
    await page.evaluate(() => { window.ticks = []; clearInterval(window.ticker); window.ticker = setInterval(() => ticks.push(Date.now()), 100); });
    await cdp.send('Debugger.enable');
    sessions.push(cdp);
  }
  await sleep(300);
  const frozenAt = Date.now();
  for (const cdp of sessions) await cdp.send('Debugger.pause');
  await during();
  await sleep(Math.max(0, frozenAt + ms - Date.now()));
  for (const cdp of sessions) await cdp.send('Debugger.resume');
  const wokeAt = Date.now();
  for (const cdp of sessions) { await cdp.send('Debugger.disable'); await cdp.detach(); }
  for (const page of pages) {
    // it really stopped: the page's own 100 ms timer did not run while paused
    const ticks = await page.evaluate(() => { clearInterval(window.ticker); return window.ticks; });
    const longest = ticks.slice(1).reduce((m, t, i) => Math.max(m, t - ticks[i]), 0);
    if (longest < ms - 1000) console.error(`  (a page's timers ran during the pause: longest gap ${longest} ms)`);
  }
  return { frozenAt, wokeAt };
}

export async function laptopSleep(env, n) {
  let holed = [];
  const out = await sideBySide(env, n, {
    async event(pairs) {
      const ports = [];
      for (const { phone } of Object.values(pairs)) ports.push(await phonePort(phone.user));
      // while the laptop sleeps its network goes: each phone's connection stays OPEN and dead
      return freeze(Object.values(pairs).map((p) => p.phone.page), SLEEP_MS, async () => {
        for (const port of ports) { blackhole(port, true); holed.push(port); }
      });
    },
    async measure({ phone, far, kind }, { frozenAt, wokeAt }) {
      const reg = await phone.firstEvent('onConnected', wokeAt, 5000);
      const { phoneHz, farHz } = PAIRS[kind];
      const hang = await phone.firstEvent('onHangup', frozenAt);
      const audio = !hang && (await far.waitHears(phoneHz, 3000)) && (await phone.waitHears(farHz, 3000));
      const byeAt = Date.now();
      await far.hangup();
      const bye = await phone.firstEvent('onHangup', byeAt, 3000);
      return { reg: reg ? reg.at - wokeAt : NaN, resumed: audio, bye: !!bye };
    },
    async after() {
      for (const port of holed) blackhole(port, false);
      holed = [];
    },
  });
  const regText = (r) => (ok(r).some((x) => Number.isFinite(x.reg)) ? ms(ok(r).map((x) => x.reg), r.length) : `not within 5 s (0/${r.length}): dead socket kept`);
  title(`laptop sleep: the page's JS paused ${SLEEP_MS / 1000} s (CDP), its TCP connection black-holed meanwhile`, n);
  line('wake -> registered again', regText(out.kazoo), regText(out.raw), verdict('<= 1000 ms', within(ok(out.kazoo).map((x) => x.reg), 1000) && ok(out.kazoo).length === n));
  line('call resumes: up, audio both ways', count(out.kazoo.map((x) => x?.resumed)), count(out.raw.map((x) => x?.resumed)), verdict('every run', out.kazoo.every((x) => x?.resumed)));
  line("  far end's BYE then reaches the phone", count(out.kazoo.map((x) => x?.bye)), count(out.raw.map((x) => x?.bye)), '');
}
