/**
 * Command (types 20/17) and data (types 18/15) messages: `[name, transactionId, commandObject, ...args]`.
 * Type 17/15 bodies start with one byte (0x00) and continue as AMF0 whose values may switch to AMF3 with
 * 0x11 (notes §3): we accept them by skipping that byte, and write type 17 only when a client asked
 * for objectEncoding 3 (then as 0x00 + plain AMF0, as rtmplite does).
 */
import { AmfEcmaArray, AmfObject, AmfTypedObject, AmfValue, isPlainAmfObject } from './amf-values';
import { decodeAmf0, encodeAmf0 } from './amf0';
import { RtmpProtocolError } from './errors';
import { MessageType } from './message';

export interface CommandMessage {
  readonly name: string;
  /** 0 means "no reply wanted" (§7.2.1.2). */
  readonly transactionId: number;
  readonly commandObject: AmfValue;
  readonly args: readonly AmfValue[];
}

export type CommandEnvelope = 'amf0' | 'amf3';

export function isCommandType(typeId: number): boolean {
  return typeId === MessageType.CommandAmf0 || typeId === MessageType.CommandAmf3;
}

export function isDataType(typeId: number): boolean {
  return typeId === MessageType.DataAmf0 || typeId === MessageType.DataAmf3;
}

function amf0Body(payload: Uint8Array, typeId: number): Uint8Array {
  if (typeId === MessageType.CommandAmf3) return payload.subarray(1);
  // Data type 15: the leading byte is 0x00 when present; an AMF0 body never starts a data message with a number.
  if (typeId === MessageType.DataAmf3 && payload[0] === 0) return payload.subarray(1);
  return payload;
}

export function encodeCommand(command: CommandMessage, envelope: CommandEnvelope = 'amf0', maxDepth?: number): Uint8Array {
  const body = encodeAmf0([command.name, command.transactionId, command.commandObject, ...command.args], maxDepth);
  if (envelope === 'amf0') return body;
  const wrapped = new Uint8Array(body.length + 1);
  wrapped.set(body, 1);
  return wrapped;
}

export function commandTypeFor(envelope: CommandEnvelope): number {
  return envelope === 'amf3' ? MessageType.CommandAmf3 : MessageType.CommandAmf0;
}

export function decodeCommand(payload: Uint8Array, typeId: number, maxDepth?: number): CommandMessage {
  const values = decodeAmf0(amf0Body(payload, typeId), { maxDepth });
  const [name, transactionId, commandObject, ...args] = values;
  if (typeof name !== 'string') throw new RtmpProtocolError('command-invalid', 'command message without a name');
  return {
    name,
    transactionId: typeof transactionId === 'number' && Number.isFinite(transactionId) ? transactionId : 0,
    commandObject: values.length > 2 ? commandObject : null,
    args,
  };
}

export interface DataMessage {
  readonly name: string;
  readonly values: readonly AmfValue[];
}

export function decodeData(payload: Uint8Array, typeId: number, maxDepth?: number): DataMessage {
  const [name, ...values] = decodeAmf0(amf0Body(payload, typeId), { maxDepth });
  if (typeof name !== 'string') throw new RtmpProtocolError('command-invalid', 'data message without a name');
  return { name, values };
}

/** The info object of `onStatus`, `_result` and `_error` (§7.2.1). */
export interface StatusInfo {
  readonly level?: string;
  readonly code?: string;
  readonly description?: string;
  readonly [key: string]: AmfValue;
}

export function asStatusInfo(value: AmfValue): StatusInfo {
  let record: AmfObject | null = null;
  if (value instanceof AmfTypedObject) record = value.properties;
  else if (value instanceof AmfEcmaArray) record = value.entries;
  else if (isPlainAmfObject(value)) record = value;
  // rtmplite rejects with a bare string in places; keep it readable.
  if (!record) return { description: typeof value === 'string' ? value : undefined };
  return {
    ...record,
    level: typeof record.level === 'string' ? record.level : undefined,
    code: typeof record.code === 'string' ? record.code : undefined,
    description: typeof record.description === 'string' ? record.description : undefined,
  };
}
