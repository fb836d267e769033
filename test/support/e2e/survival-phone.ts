/**
 * Issue 13: what the WebRTC survival tests (test/e2e/survival-webrtc*.e2e.test.ts) measure on the
 * product's phone page and on the raw-JsSIP far end: socket close/open times in the page's clock, the
 * far end's tone samples since a moment, and a call set up with both tones checked.
 */
import { REALM } from './lab';
import { toneMiss, type Heard, type PhonePage, type Recorded } from './browser';
import type { RawJsSipFarEnd } from './survival-far-end';

/**
 * Starts recording the phone page's SIP sockets as epoch ms: `close` of the open one(s) and `open` /
 * `close` of every later one (instrument.js keeps them in window.__sockets), in window.__sockEvents.
 */
export async function watchSockets(phone: PhonePage): Promise<void> {
  await phone.eval(`(() => {
    window.__sockEvents = [];
    const at = () => performance.timeOrigin + performance.now();
    const watch = (ws) => {
      ws.addEventListener('open', () => __sockEvents.push({ what: 'open', t: at() }));
      ws.addEventListener('close', () => __sockEvents.push({ what: 'close', t: at() }));
    };
    __sockets.filter((ws) => ws.readyState === 1).forEach((ws) => ws.addEventListener('close', () => __sockEvents.push({ what: 'close', t: at() })));
    if (!__sockets.__watched) {
      const push = __sockets.push;
      __sockets.push = function (ws) { watch(ws); return push.call(this, ws); };
      __sockets.__watched = true;
    }
  })()`);
}

export const sockEvents = (phone: PhonePage) => phone.eval<{ what: 'open' | 'close'; t: number }[]>('window.__sockEvents');

/** a recorded callback's time as epoch ms (events carry performance.now()) */
export const epoch = async (phone: PhonePage, e: Recorded) => e.t + (await phone.eval<number>('performance.timeOrigin'));

/** the far end's tone samples (far.sample) since `from` (epoch ms) that did not hear `hz` */
export async function farGapsSince(far: RawJsSipFarEnd, hz: number, from: number): Promise<{ samples: number; misses: string[] }> {
  const s = await far.eval<{ t: number; h: Heard | null }[]>('far.samples');
  const window = s.filter((x) => x.t >= from);
  return { samples: window.length, misses: window.map((x) => toneMiss(x.h, hz)).filter((m): m is string => m !== null) };
}

/** the far end calls the phone (which answers on its own: autoAnswer), both tones checked */
export async function farCallsPhone(far: RawJsSipFarEnd, phone: PhonePage, phoneUser: string, farHz: number): Promise<void> {
  await far.eval(`far.log = []; far.call('sip:${phoneUser}@${REALM}')`);
  await phone.waitFor('onAccepted', { timeout: 15_000 });
  await far.page.expectTone(phone.tone, { absent: [farHz] });
  await phone.expectTone(farHz, { absent: [phone.tone] });
}

/** what a test file measured, printed at its end (the e2e side of bench/survival-webrtc.mjs) */
export class Measured {
  private readonly values: Record<string, number[]> = {};
  note(what: string, ms: number): void { (this.values[what] ??= []).push(Math.round(ms)); }
  print(title: string): void { console.log(`${title} measured, ms: ${JSON.stringify(this.values)}`); }
}
