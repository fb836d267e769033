/**
 * The one error family of the RTMP core. Every decoder and session throws or emits only these, so a
 * caller (and the fuzz tests) can tell "the peer sent garbage" from "we have a bug" (`code: 'internal'`).
 */
export type RtmpErrorCode =
  | 'truncated' // a structure ran past the end of its bytes
  | 'amf-invalid' // unknown marker, bad reference, malformed structure
  | 'amf-depth' // nesting deeper than the limit (also stops cycles on encode)
  | 'amf-unsupported' // a value this codec cannot represent (movieclip, recordset, externalizable AMF3)
  | 'handshake' // not an RTMP peer, or a version we do not speak
  | 'chunk-invalid' // a chunk that contradicts the chunk stream state
  | 'message-too-large'
  | 'too-many-chunk-streams'
  | 'buffer-limit'
  | 'command-invalid' // a command message without a name
  | 'timeout'
  | 'internal'; // a non-typed error caught at a boundary: always a bug on our side

export class RtmpProtocolError extends Error {
  readonly code: RtmpErrorCode;
  readonly cause?: unknown;

  constructor(code: RtmpErrorCode, message: string, cause?: unknown) {
    super(message);
    this.name = 'RtmpProtocolError';
    this.code = code;
    if (cause !== undefined) this.cause = cause;
  }
}

/** Wraps anything thrown at a session boundary; a non-RTMP error becomes `internal` (a bug). */
export function toRtmpError(error: unknown): RtmpProtocolError {
  if (error instanceof RtmpProtocolError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new RtmpProtocolError('internal', message, error);
}
