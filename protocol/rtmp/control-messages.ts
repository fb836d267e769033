/**
 * Protocol control messages (§5.4, types 1–3, 5, 6) and User Control events (§6.2, type 4): builders for
 * what we send, one decoder for what we receive. All travel on chunk stream 2, message stream 0.
 */
import { ByteReader } from './byte-reader';
import { ChunkStreamId, MessageType, RtmpMessage } from './message';

export const UserControlEvent = {
  StreamBegin: 0,
  StreamEof: 1,
  StreamDry: 2,
  SetBufferLength: 3,
  StreamIsRecorded: 4,
  PingRequest: 6,
  PingResponse: 7,
  BufferEmpty: 0x1f, // FMS/Red5 extensions, not in the spec
  BufferReady: 0x20,
} as const;

export const PeerBandwidthLimit = { Hard: 0, Soft: 1, Dynamic: 2 } as const;

export type ControlMessage =
  | { readonly kind: 'set-chunk-size'; readonly size: number }
  | { readonly kind: 'abort'; readonly csid: number }
  | { readonly kind: 'acknowledgement'; readonly sequence: number }
  | { readonly kind: 'window-ack-size'; readonly size: number }
  | { readonly kind: 'set-peer-bandwidth'; readonly size: number; readonly limitType: number }
  | { readonly kind: 'user-control'; readonly event: number; readonly value: number; readonly bufferLength?: number };

function control(typeId: number, payload: Uint8Array): RtmpMessage {
  return { csid: ChunkStreamId.Control, typeId, streamId: 0, timestamp: 0, payload };
}

function u32Payload(value: number, extraByte?: number): Uint8Array {
  const payload = new Uint8Array(extraByte === undefined ? 4 : 5);
  new DataView(payload.buffer).setUint32(0, value >>> 0);
  if (extraByte !== undefined) payload[4] = extraByte;
  return payload;
}

export function setChunkSizeMessage(size: number): RtmpMessage {
  return control(MessageType.SetChunkSize, u32Payload(size & 0x7fffffff));
}

export function abortMessage(csid: number): RtmpMessage {
  return control(MessageType.Abort, u32Payload(csid));
}

export function acknowledgementMessage(sequence: number): RtmpMessage {
  return control(MessageType.Acknowledgement, u32Payload(sequence));
}

export function windowAckSizeMessage(size: number): RtmpMessage {
  return control(MessageType.WindowAckSize, u32Payload(size));
}

export function setPeerBandwidthMessage(size: number, limitType: number): RtmpMessage {
  return control(MessageType.SetPeerBandwidth, u32Payload(size, limitType));
}

export function userControlMessage(event: number, value: number, bufferLength?: number): RtmpMessage {
  const payload = new Uint8Array(bufferLength === undefined ? 6 : 10);
  const view = new DataView(payload.buffer);
  view.setUint16(0, event);
  view.setUint32(2, value >>> 0);
  if (bufferLength !== undefined) view.setUint32(6, bufferLength >>> 0);
  return control(MessageType.UserControl, payload);
}

export function isControlMessage(typeId: number): boolean {
  return typeId >= MessageType.SetChunkSize && typeId <= MessageType.SetPeerBandwidth;
}

/** Decodes a message of type 1–6; truncated payloads are typed errors. */
export function decodeControlMessage(message: RtmpMessage): ControlMessage {
  const r = new ByteReader(message.payload);
  switch (message.typeId) {
    case MessageType.SetChunkSize:
      return { kind: 'set-chunk-size', size: r.u32() & 0x7fffffff };
    case MessageType.Abort:
      return { kind: 'abort', csid: r.u32() };
    case MessageType.Acknowledgement:
      return { kind: 'acknowledgement', sequence: r.u32() };
    case MessageType.WindowAckSize:
      return { kind: 'window-ack-size', size: r.u32() };
    case MessageType.SetPeerBandwidth: {
      const size = r.u32();
      // Some servers omit the limit type; treat that as Dynamic, the mildest reading.
      return { kind: 'set-peer-bandwidth', size, limitType: r.remaining > 0 ? r.u8() : PeerBandwidthLimit.Dynamic };
    }
    case MessageType.UserControl: {
      const event = r.u16();
      // Every event has a 4-byte value except, in theory, unknown ones: read what is there.
      const value = r.remaining >= 4 ? r.u32() : 0;
      if (event === UserControlEvent.SetBufferLength && r.remaining >= 4) {
        return { kind: 'user-control', event, value, bufferLength: r.u32() };
      }
      return { kind: 'user-control', event, value };
    }
    default:
      throw new RangeError(`message type ${message.typeId} is not a control message`);
  }
}
