/**
 * G.711 μ-law and A-law (ITU-T G.711): 8 kHz, one byte per sample, 160 bytes per 20 ms.
 *
 * `linearToG711` and `g711ToLinear` are the codec: one table-free function per direction for both laws.
 * They run as text inside the capture and playback AudioWorklets (`browser/worklet-source.ts` embeds
 * them with `String(fn)`), so they must reference nothing but their arguments and JavaScript globals.
 * The array helpers below are for Node (gateway, tests, bench): they build 256- and 64 Ki-entry tables
 * from the same two functions, several times faster than the per-sample arithmetic.
 */
export type G711Law = 'pcmu' | 'pcma';

/**
 * One 16-bit sample (any number; the fraction is dropped, the range clipped) → one G.711 byte.
 * μ-law: bias 0x84, clip 32635, segment = highest set bit − 7, low 7 bits inverted (sign bit 1 = positive).
 * A-law: 13-bit magnitude (one's complement for negatives), segments 0–7, XOR 0x55 (sign bit 1 = positive).
 */
export function linearToG711(sample: number, alaw?: boolean): number {
  let x = sample | 0;
  const sign = x < 0 ? 0 : 0x80;
  let segment: number;
  let mantissa: number;
  if (alaw) {
    x = x < 0 ? ~(x >> 3) : x >> 3;
    if (x > 0xfff) x = 0xfff;
    segment = x < 32 ? 0 : 27 - Math.clz32(x);
    mantissa = (x >> (segment || 1)) & 15;
  } else {
    x = Math.min(x < 0 ? -x : x, 32635) + 0x84;
    segment = 24 - Math.clz32(x);
    mantissa = (x >> (segment + 3)) & 15;
  }
  return (sign | (segment << 4) | mantissa) ^ (alaw ? 0x55 : 0x7f);
}

/** One G.711 byte → its 16-bit sample: μ-law ±32124, A-law ±32256 (μ-law 0x7F decodes as −0). */
export function g711ToLinear(byte: number, alaw?: boolean): number {
  const b = byte ^ (alaw ? 0x55 : 0x7f);
  const segment = (b >> 4) & 7;
  const mantissa = b & 15;
  const magnitude = alaw
    ? segment
      ? (mantissa * 16 + 0x108) << (segment - 1)
      : mantissa * 16 + 8
    : ((mantissa * 8 + 0x84) << segment) - 0x84;
  return b & 0x80 ? magnitude : -magnitude;
}

export const mulawEncodeSample = (sample: number): number => linearToG711(sample);
export const mulawDecodeSample = (byte: number): number => g711ToLinear(byte);
export const alawEncodeSample = (sample: number): number => linearToG711(sample, true);
export const alawDecodeSample = (byte: number): number => g711ToLinear(byte, true);

const decodeTables: Partial<Record<G711Law, Int16Array>> = {};
const encodeTables: Partial<Record<G711Law, Uint8Array>> = {};

function decodeTable(law: G711Law): Int16Array {
  let table = decodeTables[law];
  if (!table) {
    table = new Int16Array(256);
    for (let i = 0; i < 256; i++) table[i] = g711ToLinear(i, law === 'pcma');
    decodeTables[law] = table;
  }
  return table;
}

/** indexed by `sample & 0xffff`, built on first use (64 KiB per law) */
function encodeTable(law: G711Law): Uint8Array {
  let table = encodeTables[law];
  if (!table) {
    table = new Uint8Array(65536);
    for (let i = 0; i < 65536; i++) table[i] = linearToG711((i << 16) >> 16, law === 'pcma');
    encodeTables[law] = table;
  }
  return table;
}

/** 16-bit PCM → G.711 bytes. */
export function encodeG711(law: G711Law, pcm: Int16Array, out: Uint8Array = new Uint8Array(pcm.length)): Uint8Array {
  const table = encodeTable(law);
  for (let i = 0; i < pcm.length; i++) out[i] = table[pcm[i] & 0xffff];
  return out;
}

/** G.711 bytes → 16-bit PCM. */
export function decodeG711(law: G711Law, bytes: Uint8Array, out: Int16Array = new Int16Array(bytes.length)): Int16Array {
  const table = decodeTable(law);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]];
  return out;
}

/** Float samples in [-1, 1] (Web Audio) → G.711, clipping outside the range. */
export function encodeG711FromFloat(law: G711Law, samples: Float32Array, out: Uint8Array = new Uint8Array(samples.length)): Uint8Array {
  const table = encodeTable(law);
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i];
    const pcm = s >= 1 ? 32767 : s <= -1 ? -32768 : Math.round(s * 32767);
    out[i] = table[pcm & 0xffff];
  }
  return out;
}

/** G.711 → float samples in [-1, 1]. */
export function decodeG711ToFloat(law: G711Law, bytes: Uint8Array, out: Float32Array = new Float32Array(bytes.length)): Float32Array {
  const table = decodeTable(law);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]] / 32768;
  return out;
}
