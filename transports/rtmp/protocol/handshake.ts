/**
 * The simple RTMP handshake (Adobe RTMP spec 1.0 §5.2) for both roles, as pure state machines: feed bytes
 * in, get bytes to write out. No digest ("complex") handshake: Flash accepts simple S1/S2 and voice codecs
 * do not care (notes §1).
 */
import { RtmpProtocolError } from './errors';

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
function makeFirstPacket(env: HandshakeEnvironment): Uint8Array {
  const packet = new Uint8Array(HANDSHAKE_PACKET_SIZE);
  writeU32(packet, 0, env.now());
  packet.set(env.random(HANDSHAKE_PACKET_SIZE - 8), 8);
  return packet;
}

/** C2/S2: the peer's time · our time of reading it · the peer's random echoed (§5.2.4). */
function makeEcho(peerPacket: Uint8Array, env: HandshakeEnvironment): Uint8Array {
  const echo = new Uint8Array(HANDSHAKE_PACKET_SIZE);
  echo.set(peerPacket.subarray(0, 4), 0);
  writeU32(echo, 4, env.now());
  echo.set(peerPacket.subarray(8, HANDSHAKE_PACKET_SIZE), 8);
  return echo;
}

/** Collects bytes until a fixed-size packet is complete; never holds more than it needs. */
class Accumulator {
  private parts: Uint8Array[] = [];
  private length = 0;

  get size(): number {
    return this.length;
  }

  push(bytes: Uint8Array): void {
    if (bytes.length > 0) {
      this.parts.push(bytes);
      this.length += bytes.length;
    }
  }

  /** Removes and returns exactly `count` bytes, or null while fewer are present. */
  take(count: number): Uint8Array | null {
    if (this.length < count) return null;
    const out = new Uint8Array(count);
    let filled = 0;
    while (filled < count) {
      const head = this.parts[0];
      const used = Math.min(head.length, count - filled);
      out.set(head.subarray(0, used), filled);
      filled += used;
      if (used === head.length) this.parts.shift();
      else this.parts[0] = head.subarray(used);
    }
    this.length -= count;
    return out;
  }

  drain(): Uint8Array {
    return this.take(this.length) ?? EMPTY;
  }
}

/** Both roles end alike: the last packet (S2 or C2) is read and not checked, the rest is chunk data. */
abstract class HandshakeBase {
  protected readonly pending = new Accumulator();
  private finished = false;

  constructor(protected readonly env: HandshakeEnvironment) {}

  get done(): boolean {
    return this.finished;
  }

  protected finishWith(output: Uint8Array | null): HandshakeStep {
    if (!this.pending.take(HANDSHAKE_PACKET_SIZE)) return { output, done: false, rest: EMPTY };
    this.finished = true;
    return { output, done: true, rest: this.pending.drain() };
  }
}

export class ClientHandshake extends HandshakeBase {
  private state: 'idle' | 'awaiting-s0s1' | 'awaiting-s2' = 'idle';

  constructor(env: HandshakeEnvironment = DEFAULT_HANDSHAKE_ENVIRONMENT) {
    super(env);
  }

  /** C0+C1 in one write: rtmplite first reads 23 bytes to sniff a Flash policy-file request (notes §1). */
  start(): Uint8Array {
    if (this.state !== 'idle') throw new Error('handshake already started');
    this.state = 'awaiting-s0s1';
    const out = new Uint8Array(1 + HANDSHAKE_PACKET_SIZE);
    out[0] = RTMP_VERSION;
    out.set(makeFirstPacket(this.env), 1);
    return out;
  }

  feed(bytes: Uint8Array): HandshakeStep {
    if (this.state === 'idle') throw new Error('handshake not started');
    if (this.done) return { output: null, done: true, rest: bytes };
    this.pending.push(bytes);
    let output: Uint8Array | null = null;
    if (this.state === 'awaiting-s0s1') {
      const s0s1 = this.pending.take(1 + HANDSHAKE_PACKET_SIZE);
      if (!s0s1) return { output: null, done: false, rest: EMPTY };
      if (s0s1[0] !== RTMP_VERSION) {
        throw new RtmpProtocolError('handshake', `server answered RTMP version ${s0s1[0]}, not ${RTMP_VERSION}`);
      }
      output = makeEcho(s0s1.subarray(1), this.env);
      this.state = 'awaiting-s2';
    }
    // Any S2 is accepted: rtmplite answers all-zero S1/S2 instead of echoing C1 (notes §0.1).
    return this.finishWith(output);
  }
}

export class ServerHandshake extends HandshakeBase {
  private state: 'awaiting-c0' | 'awaiting-c1' | 'awaiting-c2' = 'awaiting-c0';

  constructor(env: HandshakeEnvironment = DEFAULT_HANDSHAKE_ENVIRONMENT) {
    super(env);
  }

  feed(bytes: Uint8Array): HandshakeStep {
    if (this.done) return { output: null, done: true, rest: bytes };
    this.pending.push(bytes);
    let output: Uint8Array | null = null;
    if (this.state === 'awaiting-c0') {
      const c0 = this.pending.take(1);
      if (!c0) return { output: null, done: false, rest: EMPTY };
      // 32–255 are forbidden so that text ("GET ", "POST", "<policy-file-request/>") is never RTMP
      // (§5.2.2). Versions 0–31 we do not know get the answer 3, as the spec asks.
      if (c0[0] >= 32) throw new RtmpProtocolError('handshake', `C0 ${c0[0]} is not an RTMP version`);
      this.state = 'awaiting-c1';
    }
    if (this.state === 'awaiting-c1') {
      const c1 = this.pending.take(HANDSHAKE_PACKET_SIZE);
      if (!c1) return { output: null, done: false, rest: EMPTY };
      // S0+S1+S2 in one write, S2 echoing C1: npm rtmp-client refuses anything but the echo (notes §7).
      output = new Uint8Array(1 + 2 * HANDSHAKE_PACKET_SIZE);
      output[0] = RTMP_VERSION;
      output.set(makeFirstPacket(this.env), 1);
      output.set(makeEcho(c1, this.env), 1 + HANDSHAKE_PACKET_SIZE);
      this.state = 'awaiting-c2';
    }
    // C2 is not checked: clients differ as much as servers do.
    return this.finishWith(output);
  }
}
