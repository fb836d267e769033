/**
 * AMF3 encoding: what a server writes to clients that asked for AMF3, and the tests' vectors. Kept apart
 * from the decoder so that the browser client, which only sends AMF0, carries none of it (AMF0 borrows
 * the ByteArray form alone, for Uint8Array values).
 */
import { ByteWriter } from './byte-writer';
import { RtmpProtocolError } from './errors';
import { AmfEcmaArray, AmfObject, AmfTypedObject, AmfValue, AmfXml, isPlainAmfObject } from './amf-values';
import { encodeUtf8 } from './utf8';
import { DEFAULT_LIMITS } from './limits';
import { Amf3Marker } from './amf3';

const INT29_MIN = -(2 ** 28);
const INT29_MAX = 2 ** 28 - 1;
const U29_MAX = 2 ** 29 - 1;

function writeU29(w: ByteWriter, value: number): void {
  if (value < 0 || value > U29_MAX) throw new RtmpProtocolError('amf-unsupported', `${value} does not fit an AMF3 U29`);
  if (value < 0x80) {
    w.u8(value);
  } else if (value < 0x4000) {
    w.u8((value >>> 7) | 0x80).u8(value & 0x7f);
  } else if (value < 0x200000) {
    w.u8((value >>> 14) | 0x80).u8(((value >>> 7) & 0x7f) | 0x80).u8(value & 0x7f);
  } else {
    w.u8((value >>> 22) | 0x80).u8(((value >>> 15) & 0x7f) | 0x80).u8(((value >>> 8) & 0x7f) | 0x80).u8(value & 0xff);
  }
}

/** A ByteArray (marker included), inline. */
export function writeAmf3ByteArray(w: ByteWriter, bytes: Uint8Array): void {
  w.u8(Amf3Marker.ByteArray);
  writeU29(w, (bytes.length << 1) | 1);
  w.bytes(bytes);
}

/** Strings are always written inline: valid AMF3, and a writer needs no reference tables. */
function writeInlineString(w: ByteWriter, text: string): void {
  const bytes = encodeUtf8(text);
  writeU29(w, (bytes.length << 1) | 1);
  w.bytes(bytes);
}

function writeDynamicMembers(w: ByteWriter, object: AmfObject, depth: number, maxDepth: number): void {
  for (const key of Object.keys(object)) {
    if (key === '') continue; // the empty key ends the list: it cannot be sent
    writeInlineString(w, key);
    writeAmf3Value(w, object[key], depth + 1, maxDepth);
  }
  w.u8(0x01); // empty string
}

export function writeAmf3Value(w: ByteWriter, value: AmfValue, depth = 0, maxDepth = DEFAULT_LIMITS.maxAmfDepth): void {
  if (depth > maxDepth) throw new RtmpProtocolError('amf-depth', `AMF3 value nested deeper than ${maxDepth} (a cycle?)`);
  if (value === undefined) {
    w.u8(Amf3Marker.Undefined);
  } else if (value === null) {
    w.u8(Amf3Marker.Null);
  } else if (typeof value === 'boolean') {
    w.u8(value ? Amf3Marker.True : Amf3Marker.False);
  } else if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= INT29_MIN && value <= INT29_MAX && !Object.is(value, -0)) {
      w.u8(Amf3Marker.Integer);
      writeU29(w, value & U29_MAX);
    } else {
      w.u8(Amf3Marker.Double).f64(value);
    }
  } else if (typeof value === 'string') {
    w.u8(Amf3Marker.String);
    writeInlineString(w, value);
  } else if (value instanceof Date) {
    w.u8(Amf3Marker.Date).u8(0x01).f64(value.getTime());
  } else if (value instanceof Uint8Array) {
    writeAmf3ByteArray(w, value);
  } else if (value instanceof AmfXml) {
    w.u8(Amf3Marker.Xml);
    writeInlineString(w, value.text);
  } else if (Array.isArray(value)) {
    w.u8(Amf3Marker.Array);
    writeU29(w, (value.length << 1) | 1);
    w.u8(0x01); // no associative part
    for (const item of value) writeAmf3Value(w, item, depth + 1, maxDepth);
  } else if (value instanceof AmfEcmaArray) {
    w.u8(Amf3Marker.Array).u8(0x01); // zero dense entries, all associative
    writeDynamicMembers(w, value.entries, depth, maxDepth);
  } else if (value instanceof AmfTypedObject) {
    const keys = Object.keys(value.properties);
    w.u8(Amf3Marker.Object);
    writeU29(w, (keys.length << 4) | 0x03); // inline traits, sealed members only
    writeInlineString(w, value.className);
    for (const key of keys) writeInlineString(w, key);
    for (const key of keys) writeAmf3Value(w, value.properties[key], depth + 1, maxDepth);
  } else if (isPlainAmfObject(value)) {
    w.u8(Amf3Marker.Object).u8(0x0b).u8(0x01); // inline dynamic traits, anonymous class
    writeDynamicMembers(w, value, depth, maxDepth);
  } else {
    throw new RtmpProtocolError('amf-unsupported', 'cannot encode a non-plain object as AMF3');
  }
}

export function encodeAmf3(values: readonly AmfValue[], maxDepth?: number): Uint8Array {
  const w = new ByteWriter();
  for (const value of values) writeAmf3Value(w, value, 0, maxDepth);
  return w.finish();
}
