/**
 * The lab with a real network path (fixtures/lab/path.sh): the phone's Chromium in a namespace of its
 * own that reaches Kamailio and rtpengine only through a veth pair, so taking the link down really
 * breaks its SIP WebSocket and its media. The far end, the page server and the test stay in the lab's
 * namespace.
 */
import path from 'node:path';
import { LAB, run, startLab, stopLab } from './lab';
import { toneMiss, type PhonePage } from './browser';
import type { RawJsSipFarEnd } from './survival-far-end';

/** the lab's end of the pair: Kamailio's WebSocket, rtpengine, the phone's page server */
export const PATH_LAB_ADDR = '127.100.0.1';
export const PATH_PHONE_ADDR = '127.100.0.2';
export const PATH_WS_URL = `ws://${PATH_LAB_ADDR}:8088/ws`;
/** a Playwright executablePath: Chromium inside the phone's namespace */
export const PHONE_CHROMIUM = path.join(LAB, 'phone-chromium.sh');

async function pathSh(...args: string[]): Promise<string> {
  const r = await run('path.sh', args);
  if (r.code !== 0) throw new Error(`path.sh ${args.join(' ')} failed:\n${r.out}`);
  return r.out.trim();
}

/** the lab (already started by test/e2e/run-inside.sh) is restarted behind the path */
export async function startPathLab(): Promise<void> {
  await stopLab();
  await pathSh('down'); // a previous run's leftovers, if any
  await pathSh('up');
  await startLab('', { LAB_PATH: '1' });
}

/** back to the plain lab the next test files expect */
export async function stopPathLab(): Promise<void> {
  await stopLab().catch(() => undefined);
  await pathSh('down');
  await startLab();
}

/** when path.sh says the change took effect (epoch ms; its "… at <ms>" line) */
function tookEffectAt(out: string): number {
  const m = / at (\d{13})\b/.exec(out);
  if (!m) throw new Error(`path.sh printed no time: ${out}`);
  return Number(m[1]);
}

/** resolves with the epoch ms right before the link changed (path.sh: taken just before its `ip`) */
export const setLink = async (state: 'down' | 'up', side: 'phone' | 'lab' = 'phone') => tookEffectAt(await pathSh('link', state, side));
/** resolves with the epoch ms right before the old address was removed (the new one is there already) */
export const movePhone = async (ip: string) => tookEffectAt(await pathSh('move', ip));
export const phoneAddr = () => pathSh('addr');

/** every 100 ms, what the page hears at `hz` (window.__samples, epoch ms); the far end has far.sample() */
export async function samplePhone(phone: PhonePage, hz: number): Promise<void> {
  await phone.eval(`(() => {
    window.__samples = [];
    clearInterval(window.__sampler);
    window.__sampler = setInterval(() => __samples.push({ t: Date.now(), h: __hearTone([${hz}]) }), 100);
  })()`);
}

export interface Sample { t: number; h: Parameters<typeof toneMiss>[0] }

/**
 * When the receiver heard `hz` again after it stopped: the first of `run` samples in a row that hear it,
 * after the first sample at or after `from` that does not (null: not yet). One good sample alone could be
 * the tail of the tone from before the break still in the meter's window.
 */
export function heardAgainAt(samples: Sample[], hz: number, from: number, run = 3): number | null {
  let lost = false;
  let streak = 0;
  for (let i = 0; i < samples.length; i++) {
    if (samples[i].t < from) continue;
    const heard = toneMiss(samples[i].h, hz) === null;
    if (!lost) {
      lost = !heard;
      continue;
    }
    streak = heard ? streak + 1 : 0;
    if (streak === run) return samples[i - run + 1].t;
  }
  return null;
}

export const phoneSamples = (phone: PhonePage) => phone.eval<Sample[]>('window.__samples');
export const farSamples = (far: RawJsSipFarEnd) => far.eval<Sample[]>('far.samples');

/** one step of the phone page's signalling, epoch ms (traceSignalling) */
export interface TraceStep { t: number; what: 'ws' | 'open' | 'close' | 'sent' | 'received' | 'probe'; line?: string; ok?: boolean; ms?: number }

/**
 * Records, in the phone page, every step its signalling takes from now on (window.__trace, epoch ms):
 * each new WebSocket, its open and close, the first line of every SIP message sent and received (CRLF
 * keep-alives as "CRLF"), and every HTTP probe of the fast retry (sip-socket.ts) with its outcome and
 * duration. Where the time from "link up" to "registered" goes is read from it (signallingBreakdown).
 */
export async function traceSignalling(phone: PhonePage): Promise<void> {
  await phone.eval(`(() => {
    window.__trace = [];
    const at = () => performance.timeOrigin + performance.now();
    // an offer's first line gets the addresses of its UDP candidates
    const udp = (d) => /^(INVITE|SIP\\/2\\.0 200)/.test(d) && /a=candidate/.test(d)
      ? ' [udp ' + [...d.matchAll(/a=candidate:\\S+ \\d+ udp \\d+ (\\S+)/gi)].map((m) => m[1]).join(',') + ']' : '';
    const line = (d) => typeof d === 'string' ? (d.trim() === '' ? 'CRLF' : d.split('\\r\\n', 1)[0] + udp(d)) : 'binary';
    // a socket open already: its close and what it sends
    const tap = (ws) => {
      ws.addEventListener('close', () => __trace.push({ what: 'close', t: at() }));
      const send = ws.send;
      ws.send = function (d) { __trace.push({ what: 'sent', t: at(), line: line(d) }); return send.call(this, d); };
    };
    // a new socket: also when it was created and opened, and what it receives
    const watch = (ws) => {
      __trace.push({ what: 'ws', t: at() });
      ws.addEventListener('open', () => __trace.push({ what: 'open', t: at() }));
      ws.addEventListener('message', (ev) => __trace.push({ what: 'received', t: at(), line: line(ev.data) }));
      tap(ws);
    };
    __sockets.filter((ws) => ws.readyState <= 1).forEach(tap);
    if (!__sockets.__traced) {
      const push = __sockets.push;
      __sockets.push = function (ws) { watch(ws); return push.call(this, ws); };
      __sockets.__traced = true;
    }
    if (!window.__tracedFetch) {
      const f = window.fetch;
      window.fetch = function (...a) {
        const t = at();
        return f.apply(this, a).then(
          (r) => { __trace.push({ what: 'probe', t, ok: true, ms: at() - t }); return r; },
          (e) => { __trace.push({ what: 'probe', t, ok: false, ms: at() - t, line: String(e && e.message) }); throw e; });
      };
      window.__tracedFetch = true;
    }
  })()`);
}

export const signallingTrace = (phone: PhonePage) => phone.eval<TraceStep[]>('window.__trace');

/**
 * From `from` (epoch ms, the link came up) to registered: when the first HTTP probe that went out after
 * it succeeded, the new WebSocket was created and opened, each REGISTER went out and its answer came
 * back, as ms after `from` (null: no such step). `lastCloseBefore`: when the old socket was noticed dead.
 */
export function signallingBreakdown(trace: TraceStep[], from: number): Record<string, number | null> {
  const after = trace.filter((s) => s.t >= from);
  const rel = (s: TraceStep | undefined) => (s ? Math.round(s.t - from) : null);
  const firstOk = trace.find((s) => s.what === 'probe' && s.ok && s.t + (s.ms ?? 0) >= from);
  const registers = after.filter((s) => s.what === 'sent' && /^REGISTER /.test(s.line ?? ''));
  const answers = after.filter((s) => s.what === 'received' && /^SIP\/2\.0 \d+ /.test(s.line ?? '') && s.t > (registers[0]?.t ?? Infinity));
  const closes = trace.filter((s) => s.what === 'close' && s.t < from);
  const probes = trace.filter((s) => s.what === 'probe');
  const lastProbeBefore = probes.filter((s) => s.t < from).pop();
  return {
    'old socket closed (before link up)': closes.length ? Math.round(closes[closes.length - 1].t - from) : null,
    'last probe sent before link up': rel(lastProbeBefore),
    'first probe after link up sent': rel(after.find((s) => s.what === 'probe')),
    'first successful probe sent': rel(firstOk),
    'first successful probe answered': firstOk ? Math.round(firstOk.t + (firstOk.ms ?? 0) - from) : null,
    'WebSocket created': rel(after.find((s) => s.what === 'ws')),
    'WebSocket open': rel(after.find((s) => s.what === 'open')),
    'REGISTER 1 sent': rel(registers[0]),
    'answer 1': rel(answers[0]),
    'REGISTER 2 sent': rel(registers[1]),
    'answer 2': rel(answers[1]),
  };
}

/** what watchAddressChange recorded, epoch ms */
export interface AddressChangeLog {
  /** host candidates of fresh RTCPeerConnections (one made every 100 ms): when Chromium knows an address */
  fresh: { created: number; t: number; addr: string }[];
  /** the call's own connection: its candidates, ICE states, inbound packets growing again */
  call: { t: number; what: 'candidate' | 'ice' | 'gathering' | 'packets'; v: string }[];
}

/**
 * Starts watching, in the phone page, what Chromium knows of the network while its address changes:
 * a fresh RTCPeerConnection every 100 ms for `ms` (taken out of the test's __pcs, which stays the
 * call's), whose host candidates show when Chromium first offers the new address to any connection;
 * and the call's own connection (its candidates, ICE and gathering states, and every 50 ms whether its
 * inbound audio packet count grew: RTP back, before any tone meter can tell).
 */
export async function watchAddressChange(phone: PhonePage, ms: number): Promise<void> {
  await phone.eval(`(() => {
    const at = () => performance.timeOrigin + performance.now();
    const log = window.__addr = { fresh: [], call: [] };
    // the call's connection, before any fresh one exists
    const pc = __pcs.filter((p) => p.connectionState !== 'closed').pop();
    const stopAt = at() + ${ms};
    const fresh = () => {
      if (at() > stopAt) return;
      const created = at();
      const probe = new RTCPeerConnection();
      // out of the test's list of the page's connections: it is not the call's
      __pcs.splice(__pcs.indexOf(probe), 1);
      probe.onicecandidate = (e) => { if (e.candidate && e.candidate.address) log.fresh.push({ created, t: at(), addr: e.candidate.address }); };
      probe.createDataChannel('probe');
      probe.createOffer().then((o) => probe.setLocalDescription(o)).catch(() => undefined);
      setTimeout(() => probe.close(), 1000);
      setTimeout(fresh, 100);
    };
    fresh();
    pc.addEventListener('icecandidate', (e) => log.call.push({ t: at(), what: 'candidate', v: e.candidate ? (e.candidate.address || '') + ' ' + e.candidate.protocol : 'end' }));
    pc.addEventListener('iceconnectionstatechange', () => log.call.push({ t: at(), what: 'ice', v: pc.iceConnectionState }));
    pc.addEventListener('icegatheringstatechange', () => log.call.push({ t: at(), what: 'gathering', v: pc.iceGatheringState }));
    let last = -1;
    const poll = setInterval(async () => {
      if (at() > stopAt + 4000 || pc.connectionState === 'closed') return clearInterval(poll);
      let n = 0;
      (await pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'audio') n += s.packetsReceived || 0; });
      if (last >= 0 && n > last) log.call.push({ t: at(), what: 'packets', v: String(n) });
      last = n;
    }, 50);
  })()`);
}

export const addressChangeLog = (phone: PhonePage) => phone.eval<AddressChangeLog>('window.__addr');

/**
 * From the log: ms after `from` (the address change) until Chromium offered `addr` to a fresh
 * connection, the call's connection gathered a candidate on it, its ICE was connected again, and its
 * inbound audio packets grew again after a stop of at least 300 ms (null: never, within the watch).
 */
export function addressChangeBreakdown(log: AddressChangeLog, from: number, addr: string): Record<string, number | null> {
  const rel = (t: number | undefined) => (t === undefined ? null : Math.round(t - from));
  const call = log.call.filter((s) => s.t >= from);
  const packets = log.call.filter((s) => s.what === 'packets');
  const resumed = packets.find((s, i) => s.t >= from && (i === 0 || s.t - packets[i - 1].t >= 300));
  return {
    'Chromium offers the new address (fresh connection)': rel(log.fresh.find((c) => c.t >= from && c.addr === addr)?.t),
    'the call gathers on the new address': rel(call.find((s) => s.what === 'candidate' && s.v.startsWith(`${addr} `))?.t),
    'the call\'s ICE connected again': rel(call.find((s, i) => s.what === 'ice' && (s.v === 'connected' || s.v === 'completed') && call.slice(0, i).some((p) => p.what === 'ice' && p.v !== 'connected' && p.v !== 'completed'))?.t),
    'inbound RTP again (phone)': rel(resumed?.t),
  };
}
