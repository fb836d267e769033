/**
 * AMF0 (Adobe AMF0 spec, 2007). Decoding is bounded: every length is checked against the bytes present
 * before anything is allocated, nesting is capped, and references may only point backwards. Marker 0x11
 * switches to AMF3 for one value (spec §3.1), which Flash in AS3 mode puts inside type-17 commands.
 */
import { ByteReader } from './byte-reader';
import { ByteWriter } from './byte-writer';
import { RtmpProtocolError } from './errors';
import { AmfEcmaArray, AmfObject, AmfTypedObject, AmfValue, AmfXml, isPlainAmfObject, setOwn } from './amf-values';
import { Amf3Decoder } from './amf3';
import { writeAmf3ByteArray } from './amf3-encoder';
import { decodeUtf8, encodeUtf8 } from './utf8';
import { DEFAULT_LIMITS } from './limits';
import { AmfDecodeOptions, AmfDecoder } from './amf-decoder';

export type { AmfDecodeOptions } from './amf-decoder';

export const Amf0Marker = {
  Number: 0x00,
  Boolean: 0x01,
  String: 0x02,
  Object: 0x03,
  MovieClip: 0x04,
  Null: 0x05,
  Undefined: 0x06,
  Reference: 0x07,
  EcmaArray: 0x08,
  ObjectEnd: 0x09,
  StrictArray: 0x0a,
  Date: 0x0b,
  LongString: 0x0c,
  Unsupported: 0x0d,
  RecordSet: 0x0e,
  XmlDocument: 0x0f,
  TypedObject: 0x10,
  AvmPlus: 0x11,
} as const;

/** Decodes AMF0 values from one message; complex values are numbered for 0x07 references per decoder. */
export class Amf0Decoder extends AmfDecoder {
  private readonly references: AmfValue[] = [];

  readValue(depth = 0): AmfValue {
    this.checkDepth(depth, 'AMF0');
    const r = this.reader;
    const marker = r.u8();
    switch (marker) {
      case Amf0Marker.Number:
        return r.f64();
      case Amf0Marker.Boolean:
        return r.u8() !== 0;
      case Amf0Marker.String:
        return decodeUtf8(r.take(r.u16()));
      case Amf0Marker.LongString:
        return decodeUtf8(r.take(r.u32()));
      case Amf0Marker.XmlDocument:
        return new AmfXml(decodeUtf8(r.take(r.u32())));
      case Amf0Marker.Null:
        return null;
      case Amf0Marker.Undefined:
      case Amf0Marker.Unsupported: // "a type that cannot be serialized": nothing to read
        return undefined;
      case Amf0Marker.Object: {
        const object: AmfObject = {};
        this.references.push(object);
        this.readProperties(object, depth);
        return object;
      }
      case Amf0Marker.EcmaArray: {
        r.u32(); // the count is only a hint (spec §2.10); the end marker decides
        const object: AmfObject = {};
        this.references.push(object);
        this.readProperties(object, depth);
        return object;
      }
      case Amf0Marker.TypedObject: {
        const className = decodeUtf8(r.take(r.u16()));
        const typed = new AmfTypedObject(className, {});
        this.references.push(typed);
        this.readProperties(typed.properties, depth);
        return typed;
      }
      case Amf0Marker.StrictArray: {
        const count = r.u32();
        // Each value takes at least one byte: a count beyond the bytes left is a lie, not an allocation.
        r.ensure(count);
        const array: AmfValue[] = [];
        this.references.push(array);
        for (let i = 0; i < count; i++) array.push(this.readValue(depth + 1));
        return array;
      }
      case Amf0Marker.Date: {
        const time = r.f64();
        r.i16(); // time zone: "should be 0", ignored by every implementation
        return new Date(time);
      }
      case Amf0Marker.Reference: {
        const index = r.u16();
        if (index >= this.references.length) {
          throw new RtmpProtocolError('amf-invalid', `AMF0 reference ${index} to an undecoded value`);
        }
        return this.references[index];
      }
      case Amf0Marker.AvmPlus:
        return new Amf3Decoder(r, { maxDepth: this.maxDepth }).readValue(depth + 1);
      case Amf0Marker.MovieClip:
      case Amf0Marker.RecordSet:
        throw new RtmpProtocolError('amf-unsupported', `AMF0 marker 0x${marker.toString(16)} is reserved`);
      case Amf0Marker.ObjectEnd:
        throw new RtmpProtocolError('amf-invalid', 'AMF0 object end outside an object');
      default:
        throw new RtmpProtocolError('amf-invalid', `unknown AMF0 marker 0x${marker.toString(16)}`);
    }
  }

  private readProperties(target: AmfObject, depth: number): void {
    const r = this.reader;
    for (;;) {
      const key = decodeUtf8(r.take(r.u16()));
      if (key === '' && r.peekU8() === Amf0Marker.ObjectEnd) {
        r.u8();
        return;
      }
      setOwn(target, key, this.readValue(depth + 1));
    }
  }
}

export function decodeAmf0(bytes: Uint8Array, options?: AmfDecodeOptions): AmfValue[] {
  return new Amf0Decoder(new ByteReader(bytes), options).readAll();
}

function writeShortString(w: ByteWriter, text: string): void {
  const bytes = encodeUtf8(text);
  if (bytes.length > 0xffff) throw new RtmpProtocolError('amf-unsupported', 'AMF0 key or class name over 65535 bytes');
  w.u16(bytes.length).bytes(bytes);
}

function writeProperties(w: ByteWriter, object: AmfObject, depth: number, maxDepth: number): void {
  for (const key of Object.keys(object)) {
    writeShortString(w, key);
    writeAmf0Value(w, object[key], depth + 1, maxDepth);
  }
  w.u16(0).u8(Amf0Marker.ObjectEnd);
}

export function writeAmf0Value(w: ByteWriter, value: AmfValue, depth = 0, maxDepth = DEFAULT_LIMITS.maxAmfDepth): void {
  if (depth > maxDepth) throw new RtmpProtocolError('amf-depth', `AMF0 value nested deeper than ${maxDepth} (a cycle?)`);
  if (value === null) {
    w.u8(Amf0Marker.Null);
  } else if (value === undefined) {
    w.u8(Amf0Marker.Undefined);
  } else if (typeof value === 'number') {
    w.u8(Amf0Marker.Number).f64(value);
  } else if (typeof value === 'boolean') {
    w.u8(Amf0Marker.Boolean).u8(value ? 1 : 0);
  } else if (typeof value === 'string') {
    const bytes = encodeUtf8(value);
    if (bytes.length <= 0xffff) w.u8(Amf0Marker.String).u16(bytes.length).bytes(bytes);
    else w.u8(Amf0Marker.LongString).u32(bytes.length).bytes(bytes);
  } else if (value instanceof Date) {
    w.u8(Amf0Marker.Date).f64(value.getTime()).i16(0);
  } else if (Array.isArray(value)) {
    w.u8(Amf0Marker.StrictArray).u32(value.length);
    for (const item of value) writeAmf0Value(w, item, depth + 1, maxDepth);
  } else if (value instanceof AmfEcmaArray) {
    w.u8(Amf0Marker.EcmaArray).u32(Object.keys(value.entries).length);
    writeProperties(w, value.entries, depth, maxDepth);
  } else if (value instanceof AmfTypedObject) {
    w.u8(Amf0Marker.TypedObject);
    writeShortString(w, value.className);
    writeProperties(w, value.properties, depth, maxDepth);
  } else if (value instanceof AmfXml) {
    const bytes = encodeUtf8(value.text);
    w.u8(Amf0Marker.XmlDocument).u32(bytes.length).bytes(bytes);
  } else if (value instanceof Uint8Array) {
    // AMF0 has no byte array: switch to AMF3 for this one value (spec §3.1).
    w.u8(Amf0Marker.AvmPlus);
    writeAmf3ByteArray(w, value);
  } else if (isPlainAmfObject(value)) {
    w.u8(Amf0Marker.Object);
    writeProperties(w, value, depth, maxDepth);
  } else {
    throw new RtmpProtocolError('amf-unsupported', 'cannot encode a non-plain object as AMF0');
  }
}

export function encodeAmf0(values: readonly AmfValue[], maxDepth?: number): Uint8Array {
  const w = new ByteWriter();
  for (const value of values) writeAmf0Value(w, value, 0, maxDepth);
  return w.finish();
}
