import { ByteReader } from './byte-reader';
import { ByteWriter } from './byte-writer';
import { RtmpProtocolError } from './errors';

test('the writer grows across every field type without losing bytes', () => {
  const w = new ByteWriter(1);
  for (let i = 0; i < 50; i++) w.u8(i).u16(0x1234).i16(-2).u24(0xabcdef).u32(0xdeadbeef).f64(i + 0.5).bytes(new Uint8Array([9, 8, 7]));
  const r = new ByteReader(w.finish());
  for (let i = 0; i < 50; i++) {
    expect([r.u8(), r.u16(), r.i16(), r.u24(), r.u32(), r.f64(), Array.from(r.take(3))]).toEqual([i, 0x1234, -2, 0xabcdef, 0xdeadbeef, i + 0.5, [9, 8, 7]]);
  }
  expect(r.remaining).toBe(0);
});

test('the reader never reads past its end, including a sub-range', () => {
  const r = new ByteReader(new Uint8Array([1, 2, 3, 4, 5]), 1, 3);
  expect(r.u16()).toBe(0x0203);
  expect(() => r.u8()).toThrow(RtmpProtocolError);
  expect(() => new ByteReader(new Uint8Array(3)).f64()).toThrow(RtmpProtocolError);
});
