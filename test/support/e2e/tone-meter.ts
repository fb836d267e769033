/**
 * What a Node party of the e2e tests (SIP far end, Node phone) hears: the last half second of decoded
 * samples, its dominant frequency and level, and a poll that waits for an expected tone — the Node side
 * of PhonePage.expectTone (test/support/e2e/browser.ts), with the same tolerance.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { measuredFrequency, toneLevel } from '../audio/tones';

/**
 * The tones parties send: pages one each in the order they are opened (browser.ts `Lab.open`), Node
 * parties (SIP far end, Node phone) from NODE_TONES so they never collide with a page. Far enough apart for
 * a 3 Hz analyser, none a harmonic of another, all inside G.711's band.
 */
export const PAGE_TONES = [523, 659, 784, 932, 1109, 1319, 1568, 1865] as const;
export const NODE_TONES = [587, 698, 831, 1245] as const;

/** how far the received frequency may be from the one sent (resampling, codecs), Hz */
export const TONE_TOLERANCE_HZ = 15;

export interface NodeHeard {
  /** dominant frequency in 100–3800 Hz */
  hz: number;
  /** amplitude of that frequency, 0…1 (a party's tone: about 0.25) */
  level: number;
  /** RMS of the window, 0…1 */
  rms: number;
}

/**
 * Amplitude of `hz` over signal[from, to): a one-bin DFT like tones.ts `toneLevel`, with the reference
 * phasor turned by one complex multiplication per sample instead of two trigonometric calls (the scans
 * below take hundreds of bins, and they run in the process that also sends the far end's RTP).
 */
function amplitudeAt(signal: Float32Array, rate: number, hz: number, from: number, to: number): number {
  const step = (2 * Math.PI * hz) / rate;
  const cs = Math.cos(step);
  const sn = Math.sin(step);
  let c = Math.cos(step * from);
  let s = Math.sin(step * from);
  let re = 0;
  let im = 0;
  for (let i = from; i < to; i++) {
    re += signal[i] * c;
    im -= signal[i] * s;
    [c, s] = [c * cs - s * sn, s * cs + c * sn];
  }
  return (2 * Math.hypot(re, im)) / (to - from);
}

export class ToneMeter {
  private readonly ring: Float32Array;
  private written = 0;

  constructor(readonly rate = 8000, seconds = 0.5) {
    this.ring = new Float32Array(Math.round(rate * seconds));
  }

  /** 16-bit samples, as decoded from μ-law */
  push(samples: ArrayLike<number>): void {
    for (let i = 0; i < samples.length; i++) this.ring[this.written++ % this.ring.length] = samples[i] / 32768;
  }

  reset(): void {
    this.ring.fill(0);
    this.written = 0;
  }

  /** the window, oldest sample first (zeros until it filled) */
  window(): Float32Array {
    const n = this.ring.length;
    const start = this.written % n;
    return Float32Array.from({ length: n }, (_, i) => this.ring[(start + i) % n]);
  }

  /** amplitude of `hz` over the window */
  levelAt(hz: number): number {
    return amplitudeAt(this.window(), this.rate, hz, 0, this.ring.length);
  }

  /**
   * Dominant frequency: a coarse scan over a short stretch (wide DFT lobes, 8 Hz steps), a fine one over the
   * whole window around the best, then the phase-turn estimate of tones.ts near that.
   */
  heard(): NodeHeard {
    const w = this.window();
    let sum = 0;
    for (const v of w) sum += v * v;
    const rms = Math.sqrt(sum / w.length);
    const n = w.length;
    let coarse = 100;
    let best = -1;
    for (let f = 100; f <= 3800; f += 8) {
      const l = amplitudeAt(w, this.rate, f, n - 240, n); // the last 30 ms: lobes ±33 Hz
      if (l > best) [best, coarse] = [l, f];
    }
    let fine = coarse;
    best = -1;
    for (let f = coarse - 12; f <= coarse + 12; f += 0.5) {
      const l = amplitudeAt(w, this.rate, f, 0, n);
      if (l > best) [best, fine] = [l, f];
    }
    const hz = measuredFrequency(w, this.rate, fine);
    return { hz: Math.abs(hz - fine) < 2 ? hz : fine, level: toneLevel(w, this.rate, hz), rms };
  }
}

/** how `heard` misses `hz` (null: it matches); `absent`: frequencies that must be 30 dB below it */
export function nodeToneMiss(meter: ToneMeter, hz: number, o: { tolerance?: number; minLevel?: number; absent?: number[] } = {}): { miss: string | null; heard: NodeHeard } {
  const heard = meter.heard();
  let miss: string | null = null;
  if (heard.level < (o.minLevel ?? 0.02)) miss = `too quiet (level ${heard.level.toFixed(4)} at ${heard.hz.toFixed(1)} Hz)`;
  else if (Math.abs(heard.hz - hz) > (o.tolerance ?? TONE_TOLERANCE_HZ)) miss = `dominant ${heard.hz.toFixed(1)} Hz`;
  else {
    for (const other of o.absent ?? []) {
      const l = meter.levelAt(other);
      if (l > heard.level / 31.6) miss = `${other} Hz present (level ${l.toFixed(4)} against ${heard.level.toFixed(4)})`;
    }
  }
  return { miss, heard };
}

/** polls `meter` until it hears `hz`; fails with what it heard */
export async function expectNodeTone(who: string, meter: ToneMeter, hz: number, o: { timeout?: number; tolerance?: number; minLevel?: number; absent?: number[] } = {}): Promise<NodeHeard> {
  const timeout = o.timeout ?? 10_000;
  const deadline = Date.now() + timeout;
  for (;;) {
    const { miss, heard } = nodeToneMiss(meter, hz, o);
    if (!miss) return heard;
    if (Date.now() > deadline) throw new Error(`[${who}] did not hear ${hz} Hz within ${timeout} ms: ${miss}`);
    await sleep(100);
  }
}
