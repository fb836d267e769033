/** RTMP message type ids (§7.1), the chunk streams we write on, and the message shape. */
export const MessageType = {
  SetChunkSize: 1,
  Abort: 2,
  Acknowledgement: 3,
  UserControl: 4,
  WindowAckSize: 5,
  SetPeerBandwidth: 6,
  Audio: 8,
  Video: 9,
  DataAmf3: 15,
  SharedObjectAmf3: 16,
  CommandAmf3: 17,
  DataAmf0: 18,
  SharedObjectAmf0: 19,
  CommandAmf0: 20,
  Aggregate: 22,
} as const;

/**
 * csid 2 carries control; commands go on 3 because npm rtmp-client reads commands on 2 and 3 only
 * (notes §7); media on their own streams so that a large command never delays a 20 ms audio frame.
 */
export const ChunkStreamId = {
  Control: 2,
  Command: 3,
  Audio: 4,
  Video: 5,
  Data: 6,
} as const;

export interface RtmpMessage {
  readonly csid: number;
  readonly typeId: number;
  /** Message stream id: 0 for the connection, else a NetStream. */
  readonly streamId: number;
  /** Milliseconds, 32-bit. */
  readonly timestamp: number;
  readonly payload: Uint8Array;
}
