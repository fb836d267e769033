/**
 * AMF3 decoding (Adobe AMF3 spec, Jan 2013), enough for peers that answer with it: Flash in AS3 mode
 * sends type-17 commands whose values switch to AMF3 with marker 0x11. The encoder is `amf3-encoder.ts`
 * (the gateway's and the tests'; the client only sends AMF0). The three reference tables (strings,
 * objects, traits) live in one decoder; references may only point at entries already read, and every
 * count is checked against the bytes left before anything is allocated.
 */
import { ByteReader } from './byte-reader';
import { RtmpProtocolError } from './errors';
import { AmfObject, AmfTypedObject, AmfValue, AmfXml, setOwn } from './amf-values';
import { decodeUtf8 } from './utf8';
import { AmfDecodeOptions, AmfDecoder } from './amf-decoder';

export const Amf3Marker = {
  Undefined: 0x00,
  Null: 0x01,
  False: 0x02,
  True: 0x03,
  Integer: 0x04,
  Double: 0x05,
  String: 0x06,
  XmlDocument: 0x07,
  Date: 0x08,
  Array: 0x09,
  Object: 0x0a,
  Xml: 0x0b,
  ByteArray: 0x0c,
  VectorInt: 0x0d,
  VectorUint: 0x0e,
  VectorDouble: 0x0f,
  VectorObject: 0x10,
  Dictionary: 0x11,
} as const;

interface Traits {
  readonly className: string;
  readonly dynamic: boolean;
  readonly sealed: readonly string[];
}

/** Flex classes whose externalized form is just one AMF3 value: the only externals we can read. */
const EXTERNAL_WRAPPERS = new Set(['flex.messaging.io.ArrayCollection', 'flex.messaging.io.ObjectProxy']);

export class Amf3Decoder extends AmfDecoder {
  private readonly strings: string[] = [];
  private readonly objects: AmfValue[] = [];
  private readonly traits: Traits[] = [];

  /** U29 (§1.3.1): up to three 7-bit groups with a continuation bit, then one full byte. */
  private u29(): number {
    const r = this.reader;
    let value = 0;
    for (let i = 0; i < 3; i++) {
      const byte = r.u8();
      value = (value << 7) | (byte & 0x7f);
      if ((byte & 0x80) === 0) return value;
    }
    return ((value << 8) | r.u8()) >>> 0;
  }

  private objectReference(header: number): AmfValue {
    return lookup(this.objects, header >>> 1);
  }

  readString(): string {
    const header = this.u29();
    if ((header & 1) === 0) return lookup(this.strings, header >>> 1);
    const text = decodeUtf8(this.reader.take(header >>> 1));
    if (text !== '') this.strings.push(text); // the empty string is never sent by reference
    return text;
  }

  /** `count` entries of at least `bytesEach` bytes must fit the bytes left: checked before allocating. */
  private checkCount(count: number, bytesEach: number): void {
    this.reader.ensure(count * bytesEach);
  }

  readValue(depth = 0): AmfValue {
    this.checkDepth(depth, 'AMF3');
    const r = this.reader;
    const marker = r.u8();
    switch (marker) {
      case Amf3Marker.Undefined:
        return undefined;
      case Amf3Marker.Null:
        return null;
      case Amf3Marker.False:
        return false;
      case Amf3Marker.True:
        return true;
      case Amf3Marker.Integer:
        return (this.u29() << 3) >> 3; // sign-extend 29 bits
      case Amf3Marker.Double:
        return r.f64();
      case Amf3Marker.String:
        return this.readString();
      case Amf3Marker.XmlDocument:
      case Amf3Marker.Xml:
      case Amf3Marker.Date:
      case Amf3Marker.ByteArray: {
        // Leaf objects: read whole, then numbered for later references.
        const header = this.u29();
        if ((header & 1) === 0) return this.objectReference(header);
        const value =
          marker === Amf3Marker.Date ? new Date(r.f64()) : marker === Amf3Marker.ByteArray ? r.take(header >>> 1).slice() : new AmfXml(decodeUtf8(r.take(header >>> 1)));
        this.objects.push(value);
        return value;
      }
      case Amf3Marker.Array:
        return this.readArray(depth);
      case Amf3Marker.Object:
        return this.readObject(depth);
      case Amf3Marker.VectorInt:
      case Amf3Marker.VectorUint:
      case Amf3Marker.VectorDouble:
      case Amf3Marker.VectorObject:
        return this.readVector(marker, depth);
      case Amf3Marker.Dictionary:
        return this.readDictionary(depth);
      default:
        throw new RtmpProtocolError('amf-invalid', `unknown AMF3 marker 0x${marker.toString(16)}`);
    }
  }

  private readArray(depth: number): AmfValue {
    const header = this.u29();
    if ((header & 1) === 0) return this.objectReference(header);
    const denseCount = header >>> 1;
    let key = this.readString();
    if (key === '') {
      this.checkCount(denseCount, 1);
      const array: AmfValue[] = [];
      this.objects.push(array);
      for (let i = 0; i < denseCount; i++) array.push(this.readValue(depth + 1));
      return array;
    }
    // Associative part present: a plain object holding the named and then the dense entries.
    const object: AmfObject = {};
    this.objects.push(object);
    while (key !== '') {
      setOwn(object, key, this.readValue(depth + 1));
      key = this.readString();
    }
    this.checkCount(denseCount, 1);
    for (let i = 0; i < denseCount; i++) setOwn(object, String(i), this.readValue(depth + 1));
    return object;
  }

  private readObject(depth: number): AmfValue {
    const header = this.u29();
    if ((header & 1) === 0) return this.objectReference(header);
    let traits: Traits;
    if ((header & 2) === 0) {
      traits = lookup(this.traits, header >>> 2);
    } else if ((header & 4) !== 0) {
      const className = this.readString();
      if (!EXTERNAL_WRAPPERS.has(className)) {
        throw new RtmpProtocolError('amf-unsupported', `AMF3 externalizable class ${JSON.stringify(className)}`);
      }
      // ArrayCollection/ObjectProxy write their source as one AMF3 value. Register a slot first so
      // references keep their numbering, then replace it with the unwrapped value.
      const slot = this.objects.length;
      this.objects.push(null);
      const inner = this.readValue(depth + 1);
      this.objects[slot] = inner;
      return inner;
    } else {
      const sealedCount = header >>> 4;
      const dynamic = (header & 8) !== 0;
      const className = this.readString();
      this.checkCount(sealedCount, 1);
      const sealed: string[] = [];
      for (let i = 0; i < sealedCount; i++) sealed.push(this.readString());
      traits = { className, dynamic, sealed };
      this.traits.push(traits);
    }
    const properties: AmfObject = {};
    const result: AmfValue = traits.className === '' ? properties : new AmfTypedObject(traits.className, properties);
    this.objects.push(result);
    this.checkCount(traits.sealed.length, 1);
    for (const name of traits.sealed) setOwn(properties, name, this.readValue(depth + 1));
    if (traits.dynamic) {
      for (let key = this.readString(); key !== ''; key = this.readString()) {
        setOwn(properties, key, this.readValue(depth + 1));
      }
    }
    return result;
  }

  private readVector(marker: number, depth: number): AmfValue {
    const r = this.reader;
    const header = this.u29();
    if ((header & 1) === 0) return this.objectReference(header);
    const count = header >>> 1;
    r.u8(); // fixed-length flag: irrelevant to a reader
    const values: AmfValue[] = [];
    this.objects.push(values);
    if (marker === Amf3Marker.VectorObject) {
      this.readString(); // element type name
      this.checkCount(count, 1);
      for (let i = 0; i < count; i++) values.push(this.readValue(depth + 1));
      return values;
    }
    this.checkCount(count, marker === Amf3Marker.VectorDouble ? 8 : 4);
    for (let i = 0; i < count; i++) {
      values.push(marker === Amf3Marker.VectorInt ? r.i32() : marker === Amf3Marker.VectorUint ? r.u32() : r.f64());
    }
    return values;
  }

  private readDictionary(depth: number): AmfValue {
    const header = this.u29();
    if ((header & 1) === 0) return this.objectReference(header);
    const count = header >>> 1;
    this.reader.u8(); // weak-keys flag
    this.checkCount(count, 2);
    const object: AmfObject = {};
    this.objects.push(object);
    for (let i = 0; i < count; i++) {
      const key = this.readValue(depth + 1);
      setOwn(object, String(key), this.readValue(depth + 1)); // keys become strings, like a JS object's
    }
    return object;
  }
}

/** An entry of a reference table: references may only point at entries already read. */
function lookup<T>(table: readonly T[], index: number): T {
  if (index >= table.length) throw new RtmpProtocolError('amf-invalid', `AMF3 reference ${index} out of range`);
  return table[index];
}

export function decodeAmf3(bytes: Uint8Array, options?: AmfDecodeOptions): AmfValue[] {
  return new Amf3Decoder(new ByteReader(bytes), options).readAll();
}
