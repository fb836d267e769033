/**
 * Chunk stream writer (§5.3): splits a message into chunks of the outgoing chunk size and compresses
 * headers per chunk stream. Two deliberate choices keep every reader we know happy:
 * - a type-3 header starts a new message only after a type 1/2 with the same delta, never right after a
 *   type 0 (whose "delta" readers disagree on) and never with an extended timestamp;
 * - continuation chunks repeat an extended timestamp (2012 text; FMS, SRS, NMS and rtmplite read it).
 */
import { MESSAGE_HEADER_SIZE, TIMESTAMP_ESCAPE, assertValidCsid, basicHeaderLength, writeBasicHeader } from './chunk-header';
import { RtmpMessage } from './message';

const MAX_MESSAGE_LENGTH = 0xffffff;

interface OutgoingState {
  streamId: number;
  typeId: number;
  length: number;
  timestamp: number;
  delta: number | null;
  extended: boolean;
}

export interface ChunkWriterOptions {
  /** Type 1/2/3 headers where allowed (default true); false writes type 0 for every message. */
  readonly compressHeaders?: boolean;
}

export class ChunkWriter {
  private size = 128;
  private readonly states = new Map<number, OutgoingState>();
  private readonly compress: boolean;

  constructor(options: ChunkWriterOptions = {}) {
    this.compress = options.compressHeaders ?? true;
  }

  get chunkSize(): number {
    return this.size;
  }

  /** Changes the size used from the next message on; send Set Chunk Size with the old size first. */
  setChunkSize(size: number): void {
    if (!Number.isInteger(size) || size < 1 || size > 0x7fffffff) throw new RangeError(`chunk size ${size} outside 1–2^31-1`);
    this.size = size;
  }

  encode(message: RtmpMessage): Uint8Array {
    const { csid, typeId, streamId, payload } = message;
    assertValidCsid(csid);
    const length = payload.length;
    if (length > MAX_MESSAGE_LENGTH) throw new RangeError(`message of ${length} bytes exceeds the 24-bit length field`);
    const timestamp = message.timestamp >>> 0;
    const prev = this.states.get(csid);

    let fmt: number;
    let field: number;
    let delta: number | null = null;
    if (!this.compress || !prev || prev.streamId !== streamId || timestamp < prev.timestamp) {
      fmt = 0;
      field = timestamp;
    } else {
      delta = timestamp - prev.timestamp;
      field = delta;
      if (prev.length !== length || prev.typeId !== typeId) fmt = 1;
      else if (prev.delta !== delta || prev.extended || delta >= TIMESTAMP_ESCAPE) fmt = 2;
      else fmt = 3;
    }
    const extended = fmt < 3 && field >= TIMESTAMP_ESCAPE;
    if (prev) {
      // updated in place: no object per message on a chunk stream that carries 50 audio frames a second
      prev.streamId = streamId;
      prev.typeId = typeId;
      prev.length = length;
      prev.timestamp = timestamp;
      prev.delta = delta;
      prev.extended = extended;
    } else this.states.set(csid, { streamId, typeId, length, timestamp, delta, extended });

    const basic = basicHeaderLength(csid);
    const extBytes = extended ? 4 : 0;
    const chunkCount = Math.max(1, Math.ceil(length / this.size));
    const out = new Uint8Array(basic + MESSAGE_HEADER_SIZE[fmt] + extBytes + length + (chunkCount - 1) * (basic + extBytes));
    let at = writeBasicHeader(out, 0, fmt, csid);
    if (fmt <= 2) {
      const shown = extended ? TIMESTAMP_ESCAPE : field;
      out[at] = shown >>> 16;
      out[at + 1] = (shown >>> 8) & 0xff;
      out[at + 2] = shown & 0xff;
    }
    if (fmt <= 1) {
      out[at + 3] = length >>> 16;
      out[at + 4] = (length >>> 8) & 0xff;
      out[at + 5] = length & 0xff;
      out[at + 6] = typeId;
    }
    if (fmt === 0) {
      // The message stream id is the only little-endian integer in RTMP.
      out[at + 7] = streamId & 0xff;
      out[at + 8] = (streamId >>> 8) & 0xff;
      out[at + 9] = (streamId >>> 16) & 0xff;
      out[at + 10] = (streamId >>> 24) & 0xff;
    }
    at += MESSAGE_HEADER_SIZE[fmt];
    if (extended) at = writeU32(out, at, field);
    for (let offset = 0; offset < length || offset === 0; offset += this.size) {
      if (offset > 0) {
        at = writeBasicHeader(out, at, 3, csid);
        if (extended) at = writeU32(out, at, field);
      }
      const end = Math.min(length, offset + this.size);
      out.set(payload.subarray(offset, end), at);
      at += end - offset;
      if (length === 0) break;
    }
    return out;
  }
}

function writeU32(target: Uint8Array, at: number, value: number): number {
  target[at] = value >>> 24;
  target[at + 1] = (value >>> 16) & 0xff;
  target[at + 2] = (value >>> 8) & 0xff;
  target[at + 3] = value & 0xff;
  return at + 4;
}
