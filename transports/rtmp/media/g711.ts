/**
 * G.711 μ-law and A-law (ITU-T G.711): 8 kHz, one byte per sample, 160 bytes per 20 ms. Decoding is a
 * 256-entry table; encoding a 64 Ki-entry table indexed by the 16-bit sample (built on first use,
 * 64 KiB per law), which beats the segment search by several times in the capture worklet.
 */
export type G711Law = 'pcmu' | 'pcma';

const MULAW_BIAS = 0x84;
const MULAW_CLIP = 32635;
const ALAW_SEGMENT_ENDS = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

/** μ-law by the book: bias 0x84, clip 32635, segment = highest set bit − 7, byte inverted. */
export function mulawEncodeSample(sample: number): number {
  let pcm = sample | 0;
  const sign = pcm < 0 ? 0x80 : 0;
  if (sign) pcm = -pcm;
  if (pcm > MULAW_CLIP) pcm = MULAW_CLIP;
  pcm += MULAW_BIAS;
  const segment = 31 - Math.clz32(pcm) - 7;
  const mantissa = (pcm >> (segment + 3)) & 0x0f;
  return ~(sign | (segment << 4) | mantissa) & 0xff;
}

export function mulawDecodeSample(byte: number): number {
  const u = ~byte & 0xff;
  const segment = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + MULAW_BIAS) << segment) - MULAW_BIAS;
  return u & 0x80 ? -magnitude : magnitude;
}

/** A-law by the book: 13-bit magnitude, even bits inverted (XOR 0x55), sign bit 1 for positive. */
export function alawEncodeSample(sample: number): number {
  let pcm = (sample | 0) >> 3;
  let mask: number;
  if (pcm >= 0) {
    mask = 0xd5;
  } else {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  let segment = 0;
  while (segment < 8 && pcm > ALAW_SEGMENT_ENDS[segment]) segment++;
  if (segment >= 8) return 0x7f ^ mask;
  const mantissa = segment < 2 ? (pcm >> 1) & 0x0f : (pcm >> segment) & 0x0f;
  return ((segment << 4) | mantissa) ^ mask;
}

export function alawDecodeSample(byte: number): number {
  const a = byte ^ 0x55;
  const segment = (a & 0x70) >> 4;
  let magnitude = (a & 0x0f) << 4;
  if (segment === 0) magnitude += 8;
  else magnitude = (magnitude + 0x108) << (segment - 1);
  return a & 0x80 ? magnitude : -magnitude;
}

const decodeTables: Partial<Record<G711Law, Int16Array>> = {};
const encodeTables: Partial<Record<G711Law, Uint8Array>> = {};

function decodeTable(law: G711Law): Int16Array {
  let table = decodeTables[law];
  if (!table) {
    table = new Int16Array(256);
    const decode = law === 'pcmu' ? mulawDecodeSample : alawDecodeSample;
    for (let i = 0; i < 256; i++) table[i] = decode(i);
    decodeTables[law] = table;
  }
  return table;
}

function encodeTable(law: G711Law): Uint8Array {
  let table = encodeTables[law];
  if (!table) {
    table = new Uint8Array(65536);
    const encode = law === 'pcmu' ? mulawEncodeSample : alawEncodeSample;
    for (let i = 0; i < 65536; i++) table[i] = encode((i << 16) >> 16); // index = sample & 0xffff
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
