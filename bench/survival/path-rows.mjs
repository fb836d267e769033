// Issue 13, the rows on a real network path (fixtures/lab/path.sh: the phones' Chromium in a namespace
// of its own that reaches Kamailio and rtpengine only over a veth pair; the far ends in the lab's):
// the path breaks for 5 s then returns, and the phones' address changes. Both phones are behind the same
// link, so kazoo-js and raw JsSIP live through the very same link-down/up or address change.
import { movePhone, phoneAddr, setLink } from './lab.mjs';
import { PAIRS, heard, heardAgainAt, sideBySide } from './parties.mjs';
import { count, line, ms, msOnly, ok, sleep, title, verdict, within } from './report.mjs';

const BREAK_MS = 5000;
/** how long after the link (or the address) came back a receiver may take to count as "audio back" */
const AUDIO_WAIT_MS = 10_000;

/** polls `probe` (a value or null) every 200 ms until it gives one or `deadline` (epoch ms) passes */
async function until(probe, deadline) {
  for (;;) {
    const v = await probe();
    if (v !== null || Date.now() > deadline) return v;
    await sleep(200);
  }
}

/** each receiver: when it heard the other's tone again after it was lost, after `from` (null: not within the wait) */
async function audioBack(phone, far, kind, from, since) {
  const { phoneHz, farHz } = PAIRS[kind];
  const deadline = since + AUDIO_WAIT_MS;
  const atFar = await until(async () => heardAgainAt(await far.samples(), phoneHz, from), deadline);
  const atPhone = await until(async () => heardAgainAt(await phone.samples(), farHz, from), deadline);
  return { far: atFar === null ? NaN : atFar - since, phone: atPhone === null ? NaN : atPhone - since };
}

/** samples in [from, to) that heard `hz`: the break must have really silenced the path */
const heardBetween = (samples, hz, from, to) => samples.filter((s) => s.t >= from && s.t < to && heard(s.h, hz)).length;

export async function pathBreak(env, n) {
  const out = await sideBySide(env, n, {
    async event() {
      await sleep(500);
      const downAt = await setLink('down');
      await sleep(BREAK_MS);
      return { downAt, upAt: await setLink('up') };
    },
    async measure({ phone, far, kind }, { downAt, upAt }) {
      const { phoneHz, farHz } = PAIRS[kind];
      const audio = await audioBack(phone, far, kind, downAt, upAt);
      const leaked = heardBetween(await far.samples(), phoneHz, downAt + 1000, upAt - 200) + heardBetween(await phone.samples(), farHz, downAt + 1000, upAt - 200);
      if (leaked) console.error(`  (${kind}: ${leaked} samples heard audio during the break: the path was not broken)`);
      const reg = await phone.firstEvent('onConnected', downAt, Math.max(0, upAt + AUDIO_WAIT_MS - Date.now()));
      const socketLost = (await phone.marks()).some((m) => m.what === 'close' && m.t >= downAt);
      // the far end hangs up a while later: does its BYE reach the phone (else a ghost call)?
      await sleep(Math.max(0, upAt + 3000 - Date.now()));
      const byeAt = Date.now();
      await far.hangup();
      const bye = await phone.firstEvent('onHangup', byeAt, 3000);
      return { audio: Math.max(audio.far, audio.phone), audioFar: audio.far, audioPhone: audio.phone, reg: reg ? reg.at - upAt : NaN, socketLost, bye: !!bye };
    },
  });
  const audioText = (r) => `${ms(ok(r).map((x) => x.audio), r.length)}`;
  const regText = (r) => (ok(r).some((x) => x.socketLost) ? ms(ok(r).map((x) => x.reg), r.length) : `socket kept, no re-REGISTER (${ok(r).length}/${r.length})`);
  title(`the network path breaks for ${BREAK_MS / 1000} s, then returns (veth link of the phones' namespace down/up; audio = the later of the two receivers)`, n);
  line('link up -> audio back both ways', audioText(out.kazoo), audioText(out.raw), verdict('<= 1000 ms', within(ok(out.kazoo).map((x) => x.audio), 1000) && ok(out.kazoo).length === n));
  const each = (r) => `${msOnly(ok(r).map((x) => x.audioPhone))} / ${msOnly(ok(r).map((x) => x.audioFar))}`;
  line('  (the phone hears / the far end hears)', each(out.kazoo), each(out.raw), '');
  line('link up -> registered again', regText(out.kazoo), regText(out.raw), verdict('<= 300 ms', within(ok(out.kazoo).map((x) => x.reg), 300) && ok(out.kazoo).length === n));
  line("far end's BYE reaches the phone (no ghost)", count(out.kazoo.map((x) => x?.bye)), count(out.raw.map((x) => x?.bye)), verdict('every run', out.kazoo.every((x) => x?.bye)));
}

export async function addressChange(env, n) {
  const out = await sideBySide(env, n, {
    async event(pairs) {
      await sleep(500);
      // each phone's ICE ufrag as its far end has it: an ICE restart's re-INVITE carries another one (the
      // dialog refresh over the new connection, ~1 s after the change, carries the same one)
      const ufrags = {};
      for (const { far, kind } of Object.values(pairs)) ufrags[kind] = await far.eval(() => /a=ice-ufrag:(\S+)/.exec(far.session?.connection?.remoteDescription?.sdp ?? '')?.[1] ?? null);
      const next = (await phoneAddr()) === '127.100.0.2' ? '127.100.0.3' : '127.100.0.2';
      return { movedAt: await movePhone(next), ufrags };
    },
    async measure({ phone, far, kind }, { movedAt, ufrags }) {
      const audio = await audioBack(phone, far, kind, movedAt, movedAt);
      const restart = (await far.log()).find((l) => l.what === 'reinvite' && l.ice && l.ice !== ufrags[kind] && l.t >= movedAt);
      return { audio: Math.max(audio.far, audio.phone), restart: restart ? restart.t - movedAt : NaN };
    },
  });
  const restartText = (r) => (ok(r).some((x) => Number.isFinite(x.restart)) ? ms(ok(r).map((x) => x.restart), r.length) : `none sent (0/${r.length})`);
  title("the phones' address changes (a new one added, the old one removed, under the call)", n);
  line('change -> ICE-restart re-INVITE at far end', restartText(out.kazoo), restartText(out.raw), verdict('sent', ok(out.kazoo).length === n && ok(out.kazoo).every((x) => Number.isFinite(x.restart))));
  line('change -> audio back both ways', ms(ok(out.kazoo).map((x) => x.audio), n), `${ms(ok(out.raw).map((x) => x.audio), n)}${ok(out.raw).some((x) => !Number.isFinite(x.audio)) ? ` (none within ${AUDIO_WAIT_MS / 1000} s)` : ''}`, verdict('<= 1000 ms', within(ok(out.kazoo).map((x) => x.audio), 1000) && ok(out.kazoo).length === n));
}
