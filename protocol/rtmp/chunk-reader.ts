/**
 * Incremental chunk stream reader (§5.3): fed arbitrary byte slices, calls back once per complete
 * message, in wire order. Handles all four header formats, every basic-header form, interleaved chunk
 * streams, Set Chunk Size and Abort (they change how the very next chunk parses, so they are applied
 * here, before the message is passed on). Only partial messages and at most one header are buffered;
 * every quantity a peer controls is bounded by `RtmpLimits` and a breach is a typed error.
 */
import { RtmpProtocolError } from './errors';
import { DEFAULT_LIMITS, RtmpLimits } from './limits';
import { MESSAGE_HEADER_SIZE, TIMESTAMP_ESCAPE } from './chunk-header';
import { MessageType, RtmpMessage } from './message';
import { concatBytes } from './concat-bytes';

const MAX_HEADER_BYTES = 3 + 11 + 4;
const DEFAULT_CHUNK_SIZE = 128;

interface ChunkStreamState {
  readonly key: number;
  readonly csid: number;
  hasHeader: boolean;
  timestamp: number;
  /** Added by a type-3 chunk that starts a new message (after type 0 it is that absolute time, §5.3.1.2.4). */
  delta: number;
  length: number;
  typeId: number;
  streamId: number;
  /** The latest type 0/1/2 header carried an extended timestamp, and its value. */
  extended: boolean;
  extendedValue: number;
  parts: Uint8Array[];
  received: number;
  lastUsed: number;
}

interface ParsedHeader {
  fmt: number;
  key: number;
  csid: number;
  timestampField: number;
  length: number;
  typeId: number;
  streamId: number;
  extended: number | null;
  consumed: number;
}

export class ChunkReader {
  private chunkSize = DEFAULT_CHUNK_SIZE;
  private readonly streams = new Map<number, ChunkStreamState>();
  private readonly scratch = new Uint8Array(MAX_HEADER_BYTES);
  private scratchLength = 0;
  private current: ChunkStreamState | null = null;
  private chunkRemaining = 0;
  private partialBytes = 0;
  private useCounter = 0;

  constructor(
    private readonly onMessage: (message: RtmpMessage) => void,
    private readonly limits: RtmpLimits = DEFAULT_LIMITS,
  ) {}

  /** Bytes held between feeds: partial messages plus an incomplete header. */
  get bufferedBytes(): number {
    return this.partialBytes + this.scratchLength;
  }

  get chunkStreamCount(): number {
    return this.streams.size;
  }

  get incomingChunkSize(): number {
    return this.chunkSize;
  }

  feed(bytes: Uint8Array): void {
    let pos = 0;
    while (pos < bytes.length) {
      const state = this.current;
      if (state) {
        const count = Math.min(this.chunkRemaining, bytes.length - pos);
        // Copied: the caller may reuse its buffer once feed returns.
        state.parts.push(bytes.slice(pos, pos + count));
        state.received += count;
        this.partialBytes += count;
        pos += count;
        this.chunkRemaining -= count;
        this.checkBuffered();
        if (this.chunkRemaining === 0) {
          this.current = null;
          if (state.received === state.length) this.complete(state);
        }
        continue;
      }
      const consumed = this.readHeader(bytes, pos);
      if (consumed < 0) return;
      pos += consumed;
    }
  }

  /** Abort (§5.4.2): drop the partial message of that chunk stream. */
  abort(csid: number): void {
    for (const state of this.streams.values()) {
      if (state.csid === csid && state !== this.current) this.dropPartial(state);
    }
  }

  private checkBuffered(): void {
    if (this.bufferedBytes > this.limits.maxBufferedBytes) {
      throw new RtmpProtocolError('buffer-limit', `more than ${this.limits.maxBufferedBytes} bytes of partial messages`);
    }
  }

  /** Parses one header from scratch + input; returns input bytes consumed, or -1 after stashing a partial header. */
  private readHeader(bytes: Uint8Array, pos: number): number {
    if (this.scratchLength === 0) {
      const parsed = this.parseHeader(bytes, pos, bytes.length);
      if (parsed) {
        this.applyHeader(parsed);
        return parsed.consumed;
      }
      this.scratch.set(bytes.subarray(pos), 0); // shorter than a header, so it fits
      this.scratchLength = bytes.length - pos;
      return -1;
    }
    const before = this.scratchLength;
    const added = Math.min(MAX_HEADER_BYTES - before, bytes.length - pos);
    this.scratch.set(bytes.subarray(pos, pos + added), before);
    const parsed = this.parseHeader(this.scratch, 0, before + added);
    if (!parsed) {
      this.scratchLength = before + added;
      return -1;
    }
    this.scratchLength = 0;
    this.applyHeader(parsed);
    return parsed.consumed - before;
  }

  /** Pure: reads a header at `start` without touching state; null if more bytes are needed. */
  private parseHeader(src: Uint8Array, start: number, end: number): ParsedHeader | null {
    const first = src[start];
    const fmt = first >>> 6;
    const low = first & 0x3f;
    let p = start + 1;
    let csid = low;
    let key = low;
    if (low === 0) {
      if (end - p < 1) return null;
      csid = key = 64 + src[p];
      p += 1;
    } else if (low === 1) {
      if (end - p < 2) return null;
      csid = 64 + src[p] + src[p + 1] * 256;
      // Keyed on the raw bytes, not the decoded id: rtmplite writes this form big-endian, so its csid 320
      // decodes as 65 and would otherwise share state with a real csid 65 (notes §0.2).
      key = 0x10000 | (src[p] << 8) | src[p + 1];
      p += 2;
    }
    const size = MESSAGE_HEADER_SIZE[fmt];
    if (end - p < size) return null;
    let timestampField = 0;
    let length = 0;
    let typeId = 0;
    let streamId = 0;
    if (fmt <= 2) timestampField = (src[p] << 16) | (src[p + 1] << 8) | src[p + 2];
    if (fmt <= 1) {
      length = (src[p + 3] << 16) | (src[p + 4] << 8) | src[p + 5];
      typeId = src[p + 6];
    }
    if (fmt === 0) streamId = (src[p + 7] | (src[p + 8] << 8) | (src[p + 9] << 16) | (src[p + 10] << 24)) >>> 0;
    p += size;
    let extended: number | null = null;
    if (fmt <= 2 && timestampField === TIMESTAMP_ESCAPE) {
      if (end - p < 4) return null;
      extended = readU32(src, p);
      p += 4;
    } else if (fmt === 3) {
      const state = this.streams.get(key);
      if (state?.extended) {
        // Peers disagree whether type 3 repeats the extended timestamp (2012 text: yes; rtmplite writes
        // no). SRS's rule: consume the 4 bytes only if they equal the stored value (notes §2).
        if (end - p < 4) return null;
        if (readU32(src, p) === state.extendedValue) p += 4;
      }
    }
    return { fmt, key, csid, timestampField, length, typeId, streamId, extended, consumed: p - start };
  }

  private applyHeader(h: ParsedHeader): void {
    let state = this.streams.get(h.key);
    if (h.fmt === 0) {
      if (!state) state = this.createState(h.key, h.csid);
    } else if (!state || !state.hasHeader) {
      throw new RtmpProtocolError('chunk-invalid', `type ${h.fmt} chunk on chunk stream ${h.csid} before any type 0`);
    }
    state.lastUsed = ++this.useCounter;
    if (h.fmt === 3 && state.received > 0) {
      this.startChunk(state); // continuation of the message in progress
      return;
    }
    // A type 0/1/2 header while a message is partial starts a new one; the partial one is lost.
    this.dropPartial(state);
    if (h.fmt <= 2) {
      const value = h.extended ?? h.timestampField;
      state.extended = h.extended !== null;
      state.extendedValue = h.extended ?? 0;
      if (h.fmt === 0) {
        state.timestamp = value;
        state.delta = value;
        state.streamId = h.streamId;
        state.hasHeader = true;
      } else {
        state.delta = value;
        state.timestamp = (state.timestamp + value) >>> 0;
      }
      if (h.fmt <= 1) {
        state.length = h.length;
        state.typeId = h.typeId;
      }
    } else {
      state.timestamp = (state.timestamp + state.delta) >>> 0;
    }
    if (state.length > this.limits.maxMessageSize) {
      throw new RtmpProtocolError('message-too-large', `message of ${state.length} bytes (limit ${this.limits.maxMessageSize})`);
    }
    if (state.length === 0) {
      this.complete(state);
      return;
    }
    this.startChunk(state);
  }

  private startChunk(state: ChunkStreamState): void {
    this.current = state;
    this.chunkRemaining = Math.min(this.chunkSize, state.length - state.received);
  }

  private createState(key: number, csid: number): ChunkStreamState {
    if (this.streams.size >= this.limits.maxChunkStreams) this.evictIdle();
    const state: ChunkStreamState = {
      key,
      csid,
      hasHeader: false,
      timestamp: 0,
      delta: 0,
      length: 0,
      typeId: 0,
      streamId: 0,
      extended: false,
      extendedValue: 0,
      parts: [],
      received: 0,
      lastUsed: 0,
    };
    this.streams.set(key, state);
    return state;
  }

  /** siprtmp grows a chunk stream per NetStream forever (notes §0.2): forget the least recently used idle one. */
  private evictIdle(): void {
    let victim: ChunkStreamState | null = null;
    for (const state of this.streams.values()) {
      if (state.received === 0 && (!victim || state.lastUsed < victim.lastUsed)) victim = state;
    }
    if (!victim) {
      throw new RtmpProtocolError('too-many-chunk-streams', `more than ${this.limits.maxChunkStreams} chunk streams with partial messages`);
    }
    this.streams.delete(victim.key);
  }

  private dropPartial(state: ChunkStreamState): void {
    if (state.received === 0) return;
    this.partialBytes -= state.received;
    state.received = 0;
    state.parts = [];
  }

  private complete(state: ChunkStreamState): void {
    const payload = state.received === 0 ? new Uint8Array(0) : concatBytes(state.parts);
    this.partialBytes -= state.received;
    state.parts = [];
    state.received = 0;
    const message: RtmpMessage = {
      csid: state.csid,
      typeId: state.typeId,
      streamId: state.streamId,
      timestamp: state.timestamp,
      payload,
    };
    if (message.typeId === MessageType.SetChunkSize) this.setChunkSize(readControlValue(payload));
    else if (message.typeId === MessageType.Abort) this.abort(readControlValue(payload));
    this.onMessage(message);
  }

  private setChunkSize(value: number): void {
    const size = value & 0x7fffffff; // the top bit "must be zero": ignore it rather than fail
    if (size === 0) throw new RtmpProtocolError('chunk-invalid', 'Set Chunk Size 0');
    this.chunkSize = size;
  }
}

function readU32(src: Uint8Array, at: number): number {
  return ((src[at] << 24) | (src[at + 1] << 16) | (src[at + 2] << 8) | src[at + 3]) >>> 0;
}

function readControlValue(payload: Uint8Array): number {
  if (payload.length < 4) throw new RtmpProtocolError('truncated', `control message of ${payload.length} bytes`);
  return readU32(payload, 0);
}
