/** mulberry32: a tiny seeded PRNG, so every fuzz failure replays from its seed. */
export function createPrng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(next: () => number, maxExclusive: number): number {
  return Math.floor(next() * maxExclusive);
}

export function randomBytes(next: () => number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = randomInt(next, 256);
  return bytes;
}

/** Flips, overwrites, inserts, deletes or truncates a few bytes. */
export function mutate(next: () => number, input: Uint8Array): Uint8Array {
  const bytes = Array.from(input);
  const edits = 1 + randomInt(next, 4);
  for (let e = 0; e < edits; e++) {
    const at = randomInt(next, bytes.length + 1);
    switch (randomInt(next, 5)) {
      case 0:
        if (at < bytes.length) bytes[at] ^= 1 << randomInt(next, 8);
        break;
      case 1:
        if (at < bytes.length) bytes[at] = randomInt(next, 256);
        break;
      case 2:
        bytes.splice(at, 0, ...randomBytes(next, 1 + randomInt(next, 8)));
        break;
      case 3:
        bytes.splice(at, 1 + randomInt(next, 8));
        break;
      default:
        bytes.length = Math.min(bytes.length, at);
    }
  }
  return Uint8Array.from(bytes);
}

/** Splits bytes into random slices, as a network would. */
export function randomSlices(next: () => number, bytes: Uint8Array, maxSlice = 64): Uint8Array[] {
  const slices: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + randomInt(next, maxSlice);
    slices.push(bytes.subarray(at, at + size));
    at += size;
  }
  return slices;
}
