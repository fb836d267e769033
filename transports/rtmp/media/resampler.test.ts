import { Resampler, resample } from './resampler';

function sine(rate: number, frequency: number, seconds: number, amplitude = 0.5): Float32Array {
  return Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / rate));
}

/** RMS over the middle of a signal (away from the filter's start-up). */
function rms(signal: Float32Array): number {
  const from = Math.floor(signal.length * 0.2);
  const to = Math.floor(signal.length * 0.8);
  let sum = 0;
  for (let i = from; i < to; i++) sum += signal[i] * signal[i];
  return Math.sqrt(sum / (to - from));
}

/** Amplitude of one frequency, by correlation (a one-bin DFT). */
function toneLevel(signal: Float32Array, rate: number, frequency: number): number {
  let re = 0;
  let im = 0;
  const from = Math.floor(signal.length * 0.2);
  const to = Math.floor(signal.length * 0.8);
  for (let i = from; i < to; i++) {
    re += signal[i] * Math.cos((2 * Math.PI * frequency * i) / rate);
    im += signal[i] * Math.sin((2 * Math.PI * frequency * i) / rate);
  }
  return (2 * Math.hypot(re, im)) / (to - from);
}

const dB = (ratio: number): number => 20 * Math.log10(ratio);

describe('resampler', () => {
  test.each([48000, 44100, 16000, 32000])('%d Hz → 8 kHz keeps a 1 kHz tone and its frequency', (rate) => {
    const out = resample(sine(rate, 1000, 0.5), rate, 8000);
    expect(Math.abs(out.length - 4000)).toBeLessThanOrEqual(Math.ceil(16 / 0.92) + 2);
    expect(rms(out)).toBeCloseTo(0.5 / Math.SQRT2, 2);
    expect(toneLevel(out, 8000, 1000)).toBeCloseTo(0.5, 1);
  });

  test('48 kHz → 8 kHz: 3 kHz passes, 5 kHz and 6 kHz (which would alias) are suppressed', () => {
    expect(dB(toneLevel(resample(sine(48000, 3000, 0.5), 48000, 8000), 8000, 3000) / 0.5)).toBeGreaterThan(-1);
    expect(dB(rms(resample(sine(48000, 5000, 0.5), 48000, 8000)) / (0.5 / Math.SQRT2))).toBeLessThan(-40);
    expect(dB(rms(resample(sine(48000, 6000, 0.5), 48000, 8000)) / (0.5 / Math.SQRT2))).toBeLessThan(-60);
  });

  test('8 kHz → 48 kHz: the tone survives, images above 4 kHz are suppressed', () => {
    const out = resample(sine(8000, 1000, 0.5), 8000, 48000);
    expect(toneLevel(out, 48000, 1000)).toBeCloseTo(0.5, 1);
    expect(dB(toneLevel(out, 48000, 7000) / 0.5)).toBeLessThan(-50); // the first image of 1 kHz
  });

  test('streaming in arbitrary blocks equals one pass, and never drifts', () => {
    const input = sine(44100, 440, 1);
    const whole = resample(input, 44100, 8000);
    const streaming = new Resampler(44100, 8000);
    const parts: number[] = [];
    for (let at = 0, size = 1; at < input.length; at += size, size = (size * 7 + 3) % 1000 || 1) {
      parts.push(...streaming.process(input.subarray(at, at + size)));
    }
    expect(parts.length).toBe(whole.length);
    for (let i = 0; i < whole.length; i++) if (Math.abs(parts[i] - whole[i]) > 1e-5) throw new Error(`sample ${i}`);
    // 128-frame render quanta: the shortfall is the filter's look-ahead, constant, never growing.
    const r = new Resampler(48000, 8000);
    let produced = 0;
    const block = new Float32Array(128);
    const shortfall: number[] = [];
    for (let i = 1; i <= 30000; i++) {
      produced += r.process(block).length;
      if (i % 10000 === 0) shortfall.push((i * 128) / 6 - produced);
    }
    expect(Math.max(...shortfall) - Math.min(...shortfall)).toBeLessThanOrEqual(1);
    expect(shortfall[0]).toBeLessThan(20); // ≈ 2 ms of look-ahead
  });

  test('DC passes with unity gain', () => {
    const out = resample(new Float32Array(4800).fill(0.25), 48000, 8000);
    expect(out[out.length - 1]).toBeCloseTo(0.25, 5);
  });

  test('rates must be positive integers', () => {
    expect(() => new Resampler(0, 8000)).toThrow(RangeError);
    expect(() => new Resampler(44100.5, 8000)).toThrow(RangeError);
  });
});
