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

export const setLink = (state: 'down' | 'up', side: 'phone' | 'lab' = 'phone') => pathSh('link', state, side);
export const movePhone = (ip: string) => pathSh('move', ip);
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
