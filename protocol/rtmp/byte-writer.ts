/** A growable big-endian byte builder. */
export class ByteWriter {
  private buffer: Uint8Array;
  private view: DataView;
  private length = 0;

  constructor(initialCapacity = 256) {
    this.buffer = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buffer.buffer);
  }

  get size(): number {
    return this.length;
  }

  private reserve(count: number): number {
    const at = this.length;
    const needed = at + count;
    if (needed > this.buffer.length) {
      let capacity = this.buffer.length * 2;
      while (capacity < needed) capacity *= 2;
      const grown = new Uint8Array(capacity);
      grown.set(this.buffer.subarray(0, at));
      this.buffer = grown;
      this.view = new DataView(grown.buffer);
    }
    this.length = needed;
    return at;
  }

  u8(value: number): this {
    const at = this.reserve(1); // reserve first: it may replace the buffer and view
    this.buffer[at] = value;
    return this;
  }

  u16(value: number): this {
    const at = this.reserve(2);
    this.view.setUint16(at, value);
    return this;
  }

  i16(value: number): this {
    const at = this.reserve(2);
    this.view.setInt16(at, value);
    return this;
  }

  u24(value: number): this {
    const at = this.reserve(3);
    this.buffer[at] = (value >>> 16) & 0xff;
    this.buffer[at + 1] = (value >>> 8) & 0xff;
    this.buffer[at + 2] = value & 0xff;
    return this;
  }

  u32(value: number): this {
    const at = this.reserve(4);
    this.view.setUint32(at, value >>> 0);
    return this;
  }

  f64(value: number): this {
    const at = this.reserve(8);
    this.view.setFloat64(at, value);
    return this;
  }

  bytes(data: Uint8Array): this {
    const at = this.reserve(data.length); // first: reserve may replace the buffer
    this.buffer.set(data, at);
    return this;
  }

  /** The written bytes; the writer must not be used afterwards. */
  finish(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}
