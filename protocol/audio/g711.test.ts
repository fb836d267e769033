import {
  alawDecodeSample,
  alawEncodeSample,
  decodeG711,
  decodeG711ToFloat,
  encodeG711,
  encodeG711FromFloat,
  g711ToLinear,
  linearToG711,
  mulawDecodeSample,
  mulawEncodeSample,
} from './g711';
import { dB, measuredFrequency, sine, toneLevel } from '../../test/support/audio/tones';

/**
 * Reference encoders written straight from the notes' description (§5), independently of g711.ts: a
 * segment search instead of clz32, explicit tables instead of shifts.
 */
function referenceMulaw(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = Math.min(Math.abs(sample), 32635) + 0x84;
  let segment = 0;
  for (let bit = 14; bit >= 7; bit--) {
    if (magnitude & (1 << bit)) {
      segment = bit - 7;
      break;
    }
  }
  const mantissa = (magnitude >> (segment + 3)) & 0x0f;
  magnitude = sign | (segment << 4) | mantissa;
  return ~magnitude & 0xff;
}
const MULAW_BASE = [0, 132, 396, 924, 1980, 4092, 8316, 16764];
function referenceMulawDecode(byte: number): number {
  const u = ~byte & 0xff;
  const segment = (u >> 4) & 7;
  const magnitude = MULAW_BASE[segment] + ((u & 0x0f) << (segment + 3));
  return u & 0x80 ? -magnitude : magnitude;
}

describe('G.711 μ-law', () => {
  test('known points: 0xFF = +0, 0x7F = −0, 0x80 = +32124, 0x00 = −32124', () => {
    expect(mulawDecodeSample(0xff)).toBe(0);
    expect(mulawDecodeSample(0x7f) === 0).toBe(true);
    expect(mulawDecodeSample(0x80)).toBe(32124);
    expect(mulawDecodeSample(0x00)).toBe(-32124);
    expect(mulawEncodeSample(0)).toBe(0xff);
    expect(mulawEncodeSample(32767)).toBe(0x80);
    expect(mulawEncodeSample(-32768)).toBe(0x00);
  });

  test('encode matches the reference for every 16-bit sample; decode for every byte', () => {
    const pcm = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    const encoded = encodeG711('pcmu', pcm);
    for (let i = 0; i < pcm.length; i++) if (encoded[i] !== referenceMulaw(pcm[i])) throw new Error(`μ-law ${pcm[i]}`);
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(Array.from(decodeG711('pcmu', all))).toEqual(Array.from(all, (b) => referenceMulawDecode(b) || 0));
  });

  test('decode ∘ encode ∘ decode is the identity on codes', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const decoded = decodeG711('pcmu', all);
    expect(decodeG711('pcmu', encodeG711('pcmu', decoded))).toEqual(decoded);
  });
});

describe('G.711 A-law', () => {
  test('known points: 0xD5 = +8 (zero encodes as 0xD5), 0x55 = −8, extremes ±32256', () => {
    expect(alawDecodeSample(0xd5)).toBe(8);
    expect(alawDecodeSample(0x55)).toBe(-8);
    expect(alawEncodeSample(0)).toBe(0xd5);
    expect(alawDecodeSample(alawEncodeSample(32767))).toBe(32256);
    expect(alawDecodeSample(alawEncodeSample(-32768))).toBe(-32256);
  });

  test('encode/decode are consistent over every sample: the error stays within one quantization step', () => {
    const pcm = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    const back = decodeG711('pcma', encodeG711('pcma', pcm));
    for (let i = 0; i < pcm.length; i++) {
      // Segment step in 16-bit units: 16 up to 511, then doubling per segment up to 1024.
      const step = Math.abs(pcm[i]) < 256 ? 16 : 2 ** (Math.floor(Math.log2(Math.abs(pcm[i]))) - 4);
      if (Math.abs(back[i] - pcm[i]) > step) throw new Error(`A-law ${pcm[i]} → ${back[i]}`);
    }
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(encodeG711('pcma', decodeG711('pcma', all))).toEqual(all);
  });
});

test('float helpers clip and scale', () => {
  const floats = Float32Array.from([0, 1, -1, 2, -2, 0.5]);
  const bytes = encodeG711FromFloat('pcmu', floats);
  expect(bytes[0]).toBe(0xff);
  expect(bytes[3]).toBe(bytes[1]);
  expect(bytes[4]).toBe(bytes[2]);
  const back = decodeG711ToFloat('pcmu', bytes);
  expect(back[5]).toBeCloseTo(0.5, 1);
  expect(Math.abs(back[1] - 32124 / 32768)).toBeLessThan(1e-6);
});

describe.each([
  ['μ-law', false],
  ['A-law', true],
])('%s round trip', (_, alaw) => {
  test('a 1013 Hz tone at −6, −20 and −40 dBFS: same frequency and level, SNR of G.711 (> 33 dB)', () => {
    for (const amplitude of [0.5, 0.1, 0.01]) {
      const x = sine(8000, 1013, 1, amplitude); // not a divisor of 8 kHz: the error does not repeat every period
      const y = x.map((v) => g711ToLinear(linearToG711(v * 32768, alaw), alaw) / 32768);
      let noise = 0;
      let signal = 0;
      for (let i = 0; i < x.length; i++) [noise, signal] = [noise + (y[i] - x[i]) ** 2, signal + x[i] ** 2];
      expect(10 * Math.log10(signal / noise)).toBeGreaterThan(33);
      expect(Math.abs(measuredFrequency(y, 8000, 1013) - 1013)).toBeLessThan(0.01);
      expect(Math.abs(dB(toneLevel(y, 8000, 1013) / amplitude))).toBeLessThan(0.05);
    }
  });

  test('fractions are cut (towards zero), out-of-range samples clip, and the codec survives serialisation (worklets)', () => {
    const encode = new Function(`return (${String(linearToG711)});`)() as typeof linearToG711;
    const decode = new Function(`return (${String(g711ToLinear)});`)() as typeof g711ToLinear;
    for (let s = -32768; s < 32768; s += 7) expect(encode(s + 0.75, alaw)).toBe(linearToG711(Math.trunc(s + 0.75), alaw));
    expect(encode(1e6, alaw)).toBe(linearToG711(32767, alaw));
    expect(encode(-1e6, alaw)).toBe(linearToG711(-32768, alaw));
    for (let b = 0; b < 256; b++) expect(decode(b, alaw)).toBe(g711ToLinear(b, alaw));
  });
});
