/** RTP fixed header (RFC 3550 §5.1) and the RFC 4733 telephone-event payload, nothing more. */
export interface RtpPacket {
  readonly payloadType: number;
  readonly marker: boolean;
  readonly sequence: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly payload: Uint8Array;
}

/**
 * Writes header + payload at the start of `out` (≥ 12 + payload bytes) and returns the packet's length:
 * no object and no allocation, for the leg that reuses one buffer for every 20 ms frame of its call.
 */
export function writeRtp(out: Uint8Array, payloadType: number, marker: boolean, sequence: number, timestamp: number, ssrc: number, payload: Uint8Array): number {
  out[0] = 0x80; // version 2, no padding, no extension, no CSRC
  out[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  writeU16(out, 2, sequence);
  writeU32(out, 4, timestamp);
  writeU32(out, 8, ssrc);
  out.set(payload, 12);
  return 12 + payload.length;
}

function writeU16(out: Uint8Array, at: number, value: number): void {
  out[at] = (value >>> 8) & 0xff;
  out[at + 1] = value & 0xff;
}

function writeU32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}

const readU16 = (bytes: Uint8Array, at: number): number => (bytes[at] << 8) | bytes[at + 1];
const readU32 = (bytes: Uint8Array, at: number): number => ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;

/** Null for anything that is not a well-formed RTP v2 packet (RTCP on the same port included). */
export function decodeRtp(bytes: Uint8Array): RtpPacket | null {
  if (bytes.length < 12 || bytes[0] >> 6 !== 2) return null;
  const payloadType = bytes[1] & 0x7f;
  if (payloadType >= 72 && payloadType <= 76) return null; // RTCP multiplexed (RFC 5761 §4)
  let offset = 12 + (bytes[0] & 0x0f) * 4;
  if (bytes[0] & 0x10) {
    if (bytes.length < offset + 4) return null;
    offset += 4 + readU16(bytes, offset + 2) * 4;
  }
  let end = bytes.length;
  if (bytes[0] & 0x20) end -= bytes[bytes.length - 1];
  if (end < offset) return null;
  return {
    payloadType,
    marker: (bytes[1] & 0x80) !== 0,
    sequence: readU16(bytes, 2),
    timestamp: readU32(bytes, 4),
    ssrc: readU32(bytes, 8),
    payload: bytes.subarray(offset, end),
  };
}

const DTMF_EVENTS = '0123456789*#ABCD';

/** RFC 4733 §3.2 event code of a digit, or -1. */
export function dtmfEventCode(digit: string): number {
  return digit.length === 1 ? DTMF_EVENTS.indexOf(digit.toUpperCase()) : -1;
}

export function dtmfDigit(code: number): string | undefined {
  return DTMF_EVENTS[code];
}

/** The 4-byte telephone-event payload (§2.3): event, E bit + volume, duration. */
export function encodeTelephoneEvent(event: number, end: boolean, volume: number, duration: number): Uint8Array {
  return new Uint8Array([event & 0xff, (end ? 0x80 : 0) | (volume & 0x3f), (duration >> 8) & 0xff, duration & 0xff]);
}

export function decodeTelephoneEvent(payload: Uint8Array): { event: number; end: boolean; duration: number } | null {
  if (payload.length < 4) return null;
  return { event: payload[0], end: (payload[1] & 0x80) !== 0, duration: (payload[2] << 8) | payload[3] };
}
