import { RtmpProtocolError } from './errors';

/** A bounds-checked cursor over bytes; running past the end is a typed `truncated` error. */
export class ByteReader {
  private readonly view: DataView;
  private position: number;
  private readonly end: number;

  constructor(readonly bytes: Uint8Array, start = 0, end = bytes.length) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.position = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.position;
  }

  ensure(count: number): void {
    if (count > this.end - this.position) {
      throw new RtmpProtocolError('truncated', `needs ${count} bytes at offset ${this.position}, has ${this.remaining}`);
    }
  }

  peekU8(): number {
    this.ensure(1);
    return this.bytes[this.position];
  }

  u8(): number {
    this.ensure(1);
    return this.bytes[this.position++];
  }

  u16(): number {
    this.ensure(2);
    const value = this.view.getUint16(this.position);
    this.position += 2;
    return value;
  }

  i16(): number {
    this.ensure(2);
    const value = this.view.getInt16(this.position);
    this.position += 2;
    return value;
  }

  u24(): number {
    this.ensure(3);
    const b = this.bytes;
    const p = this.position;
    this.position += 3;
    return (b[p] << 16) | (b[p + 1] << 8) | b[p + 2];
  }

  u32(): number {
    this.ensure(4);
    const value = this.view.getUint32(this.position);
    this.position += 4;
    return value;
  }

  i32(): number {
    this.ensure(4);
    const value = this.view.getInt32(this.position);
    this.position += 4;
    return value;
  }

  f64(): number {
    this.ensure(8);
    const value = this.view.getFloat64(this.position);
    this.position += 8;
    return value;
  }

  /** A view (not a copy) of the next `count` bytes. */
  take(count: number): Uint8Array {
    this.ensure(count);
    const slice = this.bytes.subarray(this.position, this.position + count);
    this.position += count;
    return slice;
  }
}
