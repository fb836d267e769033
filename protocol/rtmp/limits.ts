/**
 * Hard bounds for everything a peer controls. The gateway faces untrusted clients (issue 4: "bounds the
 * number of sessions, message sizes and buffers, and survives any byte sequence"), so each one is a typed
 * error, never an allocation the peer chose.
 */
export interface RtmpLimits {
  /** Largest message accepted (the header field allows 16 MiB). */
  readonly maxMessageSize: number;
  /** Chunk streams with state at once; idle ones are evicted first (siprtmp grows a new csid per stream). */
  readonly maxChunkStreams: number;
  /** Bytes held in partial messages and header scratch, across all chunk streams. */
  readonly maxBufferedBytes: number;
  /** Nesting depth of AMF values. */
  readonly maxAmfDepth: number;
}

export const DEFAULT_LIMITS: RtmpLimits = Object.freeze({
  maxMessageSize: 1024 * 1024,
  maxChunkStreams: 64,
  maxBufferedBytes: 2 * 1024 * 1024,
  maxAmfDepth: 32,
});

export function resolveLimits(overrides?: Partial<RtmpLimits>): RtmpLimits {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`RTMP limit ${name} must be a positive integer`);
  }
  return Object.freeze(limits);
}
