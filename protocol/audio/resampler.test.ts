import { Resampler, createResampler, resample } from './resampler';
import { dB, measuredFrequency, rms, sine, toneLevel } from '../../test/support/audio/tones';

/** As a worklet runs it: `block`-sized pieces (128-frame render quanta, 160-sample frames), outputs copied. */
function streamed(input: Float32Array, inputRate: number, outputRate: number, block: number): Float32Array {
  const process = createResampler(inputRate, outputRate);
  const parts: Float32Array[] = [];
  for (let at = 0; at < input.length; at += block) parts.push(process(input.subarray(at, at + block)).slice());
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

describe('resampler', () => {
  test.each([48000, 44100, 16000, 32000])('%d Hz → 8 kHz keeps a 1 kHz tone and its frequency', (rate) => {
    const out = resample(sine(rate, 1000, 0.5), rate, 8000);
    expect(Math.abs(out.length - 4000)).toBeLessThanOrEqual(Math.ceil(16 / 0.92) + 2);
    expect(rms(out)).toBeCloseTo(0.5 / Math.SQRT2, 2);
    expect(toneLevel(out, 8000, 1000)).toBeCloseTo(0.5, 1);
  });

  test('48 kHz → 8 kHz: 3 kHz passes, 5 kHz and 6 kHz (which would alias) are suppressed', () => {
    expect(dB(toneLevel(resample(sine(48000, 3000, 0.5), 48000, 8000), 8000, 3000) / 0.5)).toBeGreaterThan(-1);
    expect(dB(rms(resample(sine(48000, 5000, 0.5), 48000, 8000)) / (0.5 / Math.SQRT2))).toBeLessThan(-80);
    expect(dB(rms(resample(sine(48000, 6000, 0.5), 48000, 8000)) / (0.5 / Math.SQRT2))).toBeLessThan(-90);
  });

  test('8 kHz → 48 kHz: the tone survives, images above 4 kHz are suppressed', () => {
    const out = resample(sine(8000, 1000, 0.5), 8000, 48000);
    expect(toneLevel(out, 48000, 1000)).toBeCloseTo(0.5, 1);
    expect(dB(toneLevel(out, 48000, 7000) / 0.5)).toBeLessThan(-70); // the first image of 1 kHz (0.3 s window: the DFT leaks below that)
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

  test.each([
    [48000, 8000, 128],
    [44100, 8000, 128],
    [96000, 8000, 128],
    [22050, 8000, 128],
    [8000, 48000, 160],
    [8000, 44100, 160],
  ])('%d Hz → %d Hz in %d-sample blocks: frequency and amplitude of 300 Hz, 1 kHz, 3 kHz kept', (inputRate, outputRate, block) => {
    for (const frequency of [300, 1000, 3000]) {
      const out = streamed(sine(inputRate, frequency, 1), inputRate, outputRate, block);
      expect(Math.abs(measuredFrequency(out, outputRate, frequency) - frequency)).toBeLessThanOrEqual(0.02);
      expect(Math.abs(dB(toneLevel(out, outputRate, frequency) / 0.5))).toBeLessThan(0.05);
    }
  });

  test('44.1 kHz ↔ 8 kHz: the fractional step carries across render quanta, output counts are exact', () => {
    // 441 quanta of 128 frames = 56448 samples = exactly 10240 outputs at 8 kHz, minus the fixed look-ahead
    const down = createResampler(44100, 8000);
    const quantum = new Float32Array(128);
    const counts: number[] = [];
    let produced = 0;
    for (let i = 1; i <= 441 * 20; i++) {
      produced += down(quantum).length;
      if (i % 441 === 0) counts.push(produced);
    }
    const lag = 10240 - counts[0];
    expect(lag).toBeGreaterThan(0);
    expect(lag).toBeLessThan(20);
    expect(counts).toEqual(counts.map((_, i) => 10240 * (i + 1) - lag));
    // 8 kHz → 44.1 kHz: 160-sample frames of 882 outputs each, once the look-ahead is filled
    const up = createResampler(8000, 44100);
    const frame = new Float32Array(160);
    const sizes = Array.from({ length: 100 }, () => up(frame).length);
    expect(sizes.slice(2).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(98 * 882 - 1);
    expect(sizes.slice(2).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(98 * 882 + 1);
    expect(Math.max(...sizes.slice(2)) - Math.min(...sizes.slice(2))).toBeLessThanOrEqual(1);
  });

  test('44.1 kHz → 8 kHz: what would alias into the voice band is suppressed', () => {
    for (const [frequency, limit] of [[4400, -70], [5000, -80], [6000, -90], [12000, -120]]) {
      expect(dB(rms(streamed(sine(44100, frequency, 0.5), 44100, 8000, 128)) / (0.5 / Math.SQRT2))).toBeLessThan(limit);
    }
  });

  test('8 kHz → 44.1 kHz: the images of 1 kHz (7, 9, 15 kHz) are suppressed', () => {
    const out = streamed(sine(8000, 1000, 1), 8000, 44100, 160);
    for (const image of [7000, 9000, 15000]) expect(dB(toneLevel(out, 44100, image) / 0.5)).toBeLessThan(-80);
  });

  test('the function survives serialisation into a worklet (no outside references)', () => {
    const rebuilt = new Function(`return (${String(createResampler)});`)() as typeof createResampler;
    const input = sine(48000, 1000, 0.1);
    expect(Array.from(rebuilt(48000, 8000)(input))).toEqual(Array.from(createResampler(48000, 8000)(input)));
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
