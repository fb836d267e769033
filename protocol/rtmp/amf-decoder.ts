/** What the AMF0 and AMF3 decoders share: a bounded reader and a nesting limit. */
import { ByteReader } from './byte-reader';
import { RtmpProtocolError } from './errors';
import { DEFAULT_LIMITS } from './limits';
import type { AmfValue } from './amf-values';

export interface AmfDecodeOptions {
  readonly maxDepth?: number;
}

export abstract class AmfDecoder {
  protected readonly maxDepth: number;

  constructor(
    protected readonly reader: ByteReader,
    options: AmfDecodeOptions = {},
  ) {
    this.maxDepth = options.maxDepth ?? DEFAULT_LIMITS.maxAmfDepth;
  }

  abstract readValue(depth?: number): AmfValue;

  /** Every value up to the end of the bytes. */
  readAll(): AmfValue[] {
    const values: AmfValue[] = [];
    while (this.reader.remaining > 0) values.push(this.readValue());
    return values;
  }

  protected checkDepth(depth: number, format: string): void {
    if (depth > this.maxDepth) throw new RtmpProtocolError('amf-depth', `${format} nesting deeper than ${this.maxDepth}`);
  }
}
