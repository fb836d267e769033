/**
 * The JavaScript side of AMF0/AMF3. Plain values map to themselves (number, boolean, string, null,
 * undefined, Date, arrays, plain objects); the few AMF types without a JS twin are small classes.
 * Decoded ECMA arrays become plain objects (that is how every consumer reads them, e.g. `onMetaData`);
 * wrap a record in `AmfEcmaArray` to encode one.
 */
export type AmfValue =
  | number
  | boolean
  | string
  | null
  | undefined
  | Date
  | Uint8Array
  | AmfValue[]
  | AmfObject
  | AmfEcmaArray
  | AmfTypedObject
  | AmfXml;

export interface AmfObject {
  [key: string]: AmfValue;
}

/** Encodes as an AMF0 ECMA array (0x08) / AMF3 associative array. */
export class AmfEcmaArray {
  constructor(readonly entries: AmfObject) {}
}

/** AMF0 typed object (0x10) or AMF3 object with a class name. */
export class AmfTypedObject {
  constructor(
    readonly className: string,
    readonly properties: AmfObject,
  ) {}
}

/** AMF0 XML document (0x0F), AMF3 XML / XMLDocument. */
export class AmfXml {
  constructor(readonly text: string) {}
}

/** Sets an own property even for `__proto__`, so a peer's key can never swap an object's prototype. */
export function setOwn(target: AmfObject, key: string, value: AmfValue): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

export function isPlainAmfObject(value: AmfValue): value is AmfObject {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
