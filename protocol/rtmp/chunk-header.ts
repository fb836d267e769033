/**
 * Chunk basic header (§5.3.1.1) and message header sizes (§5.3.1.2).
 *
 * | form    | low 6 bits | csid                      |
 * | 1 byte  | 2–63       | that value                |
 * | 2 bytes | 0          | b1 + 64          (64–319) |
 * | 3 bytes | 1          | b2·256 + b1 + 64 (LE)     |
 */
export const MESSAGE_HEADER_SIZE: readonly number[] = [11, 7, 3, 0];
export const MAX_CSID = 65599;
export const TIMESTAMP_ESCAPE = 0xffffff;

export function basicHeaderLength(csid: number): number {
  return csid < 64 ? 1 : csid < 320 ? 2 : 3;
}

/** Writes the basic header at `at`, returns the next offset. 3-byte ids are little-endian, per spec. */
export function writeBasicHeader(target: Uint8Array, at: number, fmt: number, csid: number): number {
  if (csid < 64) {
    target[at] = (fmt << 6) | csid;
    return at + 1;
  }
  const rest = csid - 64;
  if (csid < 320) {
    target[at] = fmt << 6;
    target[at + 1] = rest;
    return at + 2;
  }
  target[at] = (fmt << 6) | 1;
  target[at + 1] = rest & 0xff;
  target[at + 2] = rest >>> 8;
  return at + 3;
}

export function assertValidCsid(csid: number): void {
  if (!Number.isInteger(csid) || csid < 2 || csid > MAX_CSID) throw new RangeError(`chunk stream id ${csid} outside 2–${MAX_CSID}`);
}
