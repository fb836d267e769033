/**
 * The simple RTMP handshake (Adobe RTMP spec 1.0 §5.2): what the client and server roles share. Each role
 * is a pure state machine in its own module (`client-handshake.ts`, `server-handshake.ts`): feed bytes
 * in, get bytes to write out; a connection takes the one it plays, so the browser client never carries
 * the server's. No digest ("complex") handshake: Flash accepts simple S1/S2 and voice codecs do not care
 * (notes §1).
 */
import { concatBytes } from './concat-bytes';

export const RTMP_VERSION = 3;
export const HANDSHAKE_PACKET_SIZE = 1536;

export interface HandshakeEnvironment {
  /** Milliseconds, any epoch (written as a 32-bit time field). */
  readonly now: () => number;
  /** Random filler for C1/S1; it need not be cryptographic. */
  readonly random: (length: number) => Uint8Array;
}

export interface HandshakeStep {
  /** Bytes to write to the peer now, if any. */
  readonly output: Uint8Array | null;
  readonly done: boolean;
  /** Bytes that followed the handshake (the first chunks), once done. */
  readonly rest: Uint8Array;
}

/** One role of the handshake, as a connection drives it. */
export interface Handshake {
  /** The client's C0+C1 (a server writes nothing first). */
  start?(): Uint8Array;
  feed(bytes: Uint8Array): HandshakeStep;
}

const EMPTY = new Uint8Array(0);

export function defaultRandom(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  const webCrypto = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (webCrypto?.getRandomValues) {
    for (let at = 0; at < length; at += 65536) webCrypto.getRandomValues(bytes.subarray(at, Math.min(length, at + 65536)));
  } else {
    for (let i = 0; i < length; i++) bytes[i] = (Math.random() * 256) | 0;
  }
  return bytes;
}

export const DEFAULT_HANDSHAKE_ENVIRONMENT: HandshakeEnvironment = { now: () => Date.now(), random: defaultRandom };

function writeU32(target: Uint8Array, at: number, value: number): void {
  new DataView(target.buffer, target.byteOffset, target.byteLength).setUint32(at, value >>> 0);
}

/** C1/S1: time (4) · zero (4) · random (1528). Zero in bytes 4–7 marks the simple scheme for rtmplite. */
export function makeFirstPacket(env: HandshakeEnvironment): Uint8Array {
  const packet = new Uint8Array(HANDSHAKE_PACKET_SIZE);
  writeU32(packet, 0, env.now());
  packet.set(env.random(HANDSHAKE_PACKET_SIZE - 8), 8);
  return packet;
}

/** C2/S2: the peer's time · our time of reading it · the peer's random echoed (§5.2.4). */
export function makeEcho(peerPacket: Uint8Array, env: HandshakeEnvironment): Uint8Array {
  const echo = new Uint8Array(HANDSHAKE_PACKET_SIZE);
  echo.set(peerPacket.subarray(0, 4), 0);
  writeU32(echo, 4, env.now());
  echo.set(peerPacket.subarray(8, HANDSHAKE_PACKET_SIZE), 8);
  return echo;
}

/**
 * What both roles do with the peer's bytes: collect them until a fixed-size packet is complete, and end
 * alike (the last packet, S2 or C2, is read and not checked; what follows is chunk data).
 */
export abstract class HandshakeRole implements Handshake {
  private pending: Uint8Array = EMPTY;
  private finished = false;

  constructor(protected readonly env: HandshakeEnvironment = DEFAULT_HANDSHAKE_ENVIRONMENT) {}

  feed(bytes: Uint8Array): HandshakeStep {
    if (this.finished) return { output: null, done: true, rest: bytes };
    this.pending = this.pending.length === 0 ? bytes : concatBytes([this.pending, bytes]);
    const output = this.advance();
    if (output === undefined || !this.take(HANDSHAKE_PACKET_SIZE)) return { output: output ?? null, done: false, rest: EMPTY };
    this.finished = true;
    return { output, done: true, rest: this.pending };
  }

  /**
   * Reads what comes before the last packet: undefined while it is incomplete, else the answer to write
   * (null when it was answered by an earlier feed).
   */
  protected abstract advance(): Uint8Array | null | undefined;

  /** Removes and returns exactly `count` bytes, or null while fewer are present. */
  protected take(count: number): Uint8Array | null {
    if (this.pending.length < count) return null;
    const packet = this.pending.subarray(0, count);
    this.pending = this.pending.subarray(count);
    return packet;
  }
}
