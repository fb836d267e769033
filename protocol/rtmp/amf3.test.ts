import { AmfEcmaArray, AmfObject, AmfTypedObject, AmfXml } from './amf-values';
import { decodeAmf3 } from './amf3';
import { encodeAmf3 } from './amf3-encoder';
import { RtmpProtocolError } from './errors';
import { encodeUtf8 } from './utf8';
import { asciiHex as a, hex, toHex } from '../../test/support/rtmp/hex';

function expectCode(fn: () => unknown, code: string): void {
  expect(fn).toThrow(RtmpProtocolError);
  try {
    fn();
  } catch (error) {
    expect((error as RtmpProtocolError).code).toBe(code);
  }
}

describe('AMF3', () => {
  // U29 boundaries from the AMF3 spec §1.3.1 (1, 2, 3 and 4-byte forms; 29-bit two's complement).
  test.each([
    [0, '04 00'],
    [127, '04 7f'],
    [128, '04 81 00'],
    [16383, '04 ff 7f'],
    [16384, '04 81 80 00'],
    [2097151, '04 ff ff 7f'],
    [2097152, '04 80 c0 80 00'],
    [268435455, '04 bf ff ff ff'],
    [-1, '04 ff ff ff ff'],
    [-268435456, '04 c0 80 80 00'],
    [268435456, '05 41b0000000000000'],
    [0.5, '05 3fe0000000000000'],
  ])('integer %d', (value, bytes) => {
    expect(toHex(encodeAmf3([value]))).toBe(toHex(hex(bytes)));
    expect(decodeAmf3(hex(bytes))).toEqual([value]);
  });

  test('simple markers', () => {
    expect(decodeAmf3(hex('00 01 02 03'))).toEqual([undefined, null, false, true]);
    expect(encodeAmf3([undefined, null, false, true])).toEqual(hex('00 01 02 03'));
  });

  test('strings are referenced after first use; the empty string never is', () => {
    expect(decodeAmf3(hex(`06 0b ${a('hello')} 06 01 06 00`))).toEqual(['hello', '', 'hello']);
    expect(encodeAmf3(['hello'])).toEqual(hex(`06 0b ${a('hello')}`));
    expect(() => decodeAmf3(hex('06 01 06 00'))).toThrow(RtmpProtocolError); // '' made no entry
  });

  test('dense array, object references', () => {
    const [array] = decodeAmf3(hex('09 05 01 0a 0b 01 01 0a 02')) as [AmfObject[]];
    expect(array).toHaveLength(2);
    expect(array[1]).toBe(array[0]);
    expect(encodeAmf3([[1, 'a']])).toEqual(hex(`09 05 01 04 01 06 03 ${a('a')}`));
  });

  test('array with an associative part becomes an object', () => {
    const bytes = hex(`09 03 03 ${a('k')} 04 02 01 04 07`);
    expect(decodeAmf3(bytes)).toEqual([{ k: 2, 0: 7 }]);
    expect(decodeAmf3(encodeAmf3([new AmfEcmaArray({ k: 2 })]))).toEqual([{ k: 2 }]);
  });

  test('anonymous dynamic object', () => {
    const bytes = hex(`0a 0b 01 03 ${a('a')} 04 01 01`);
    expect(decodeAmf3(bytes)).toEqual([{ a: 1 }]);
    expect(encodeAmf3([{ a: 1 }])).toEqual(bytes);
  });

  test('sealed typed object, then the same traits by reference', () => {
    const bytes = hex(`0a 13 07 ${a('Foo')} 03 ${a('x')} 04 05   0a 01 04 06`);
    expect(decodeAmf3(bytes)).toEqual([new AmfTypedObject('Foo', { x: 5 }), new AmfTypedObject('Foo', { x: 6 })]);
    expect(decodeAmf3(encodeAmf3([new AmfTypedObject('Bar', { y: 'z' })]))).toEqual([new AmfTypedObject('Bar', { y: 'z' })]);
  });

  test('date, byte array, xml', () => {
    expect(decodeAmf3(hex('08 01 0000000000000000'))).toEqual([new Date(0)]);
    expect(decodeAmf3(hex('0c 07 01 02 03'))).toEqual([new Uint8Array([1, 2, 3])]);
    expect(decodeAmf3(hex(`0b 09 ${a('<a/>')}`))).toEqual([new AmfXml('<a/>')]);
    const values = [new Date(1234), new Uint8Array([9]), new AmfXml('<b/>')];
    expect(decodeAmf3(encodeAmf3(values))).toEqual(values);
  });

  test('vectors and dictionary', () => {
    expect(decodeAmf3(hex('0d 05 00 00000001 ffffffff'))).toEqual([[1, -1]]);
    expect(decodeAmf3(hex('0e 03 00 ffffffff'))).toEqual([[4294967295]]);
    expect(decodeAmf3(hex('0f 03 01 3ff0000000000000'))).toEqual([[1]]);
    expect(decodeAmf3(hex(`10 03 00 01 06 03 ${a('s')}`))).toEqual([['s']]);
    expect(decodeAmf3(hex(`11 03 00 06 03 ${a('k')} 04 01`))).toEqual([{ k: 1 }]);
  });

  test('Flex ArrayCollection (externalizable) unwraps to its source array', () => {
    const name = encodeUtf8('flex.messaging.io.ArrayCollection');
    const bytes = new Uint8Array([0x0a, 0x07, (name.length << 1) | 1, ...name, 0x09, 0x03, 0x01, 0x04, 0x01]);
    expect(decodeAmf3(bytes)).toEqual([[1]]);
  });

  test('malformed input gives typed errors', () => {
    expectCode(() => decodeAmf3(hex('12')), 'amf-invalid');
    expectCode(() => decodeAmf3(hex('06 02')), 'amf-invalid'); // string reference 1 of none
    expectCode(() => decodeAmf3(hex('0a 02')), 'amf-invalid'); // object reference
    expectCode(() => decodeAmf3(hex('0a 05')), 'amf-invalid'); // traits reference
    expectCode(() => decodeAmf3(hex(`0a 07 07 ${a('Foo')}`)), 'amf-unsupported');
    expectCode(() => decodeAmf3(hex('04 ff ff')), 'truncated');
    expectCode(() => decodeAmf3(hex('09 ff ff ff 7f 01')), 'truncated'); // count beyond the bytes
    expectCode(() => decodeAmf3(hex('0d 7f 00 00')), 'truncated');
    expectCode(() => decodeAmf3(hex('09 03 01 '.repeat(40) + '01'), { maxDepth: 16 }), 'amf-depth');
  });
});
