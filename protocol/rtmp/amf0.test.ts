import { AmfEcmaArray, AmfObject, AmfTypedObject, AmfXml } from './amf-values';
import { decodeAmf0, encodeAmf0 } from './amf0';
import { RtmpProtocolError } from './errors';
import { asciiHex as a, hex } from '../../test/support/rtmp/hex';

/** A librtmp-style connect command, built by hand from the AMF0 spec (markers 02, 00, 03, 01, 00 00 09). */
const CONNECT_VECTOR = hex(`
  02 0007 ${a('connect')}
  00 3ff0000000000000
  03
    0003 ${a('app')} 02 0004 ${a('live')}
    0008 ${a('flashVer')} 02 000d ${a('LNX 9,0,124,2')}
    0005 ${a('tcUrl')} 02 001a ${a('rtmp://127.0.0.1:1935/live')}
    0004 ${a('fpad')} 01 00
    000c ${a('capabilities')} 00 402e000000000000
    000b ${a('audioCodecs')} 00 40a8ee0000000000
    000b ${a('videoCodecs')} 00 406f800000000000
    000d ${a('videoFunction')} 00 3ff0000000000000
  000009
`);

const CONNECT_VALUES = [
  'connect',
  1,
  {
    app: 'live',
    flashVer: 'LNX 9,0,124,2',
    tcUrl: 'rtmp://127.0.0.1:1935/live',
    fpad: false,
    capabilities: 15,
    audioCodecs: 3191,
    videoCodecs: 252,
    videoFunction: 1,
  },
];

function expectError(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RtmpProtocolError);
    expect((error as RtmpProtocolError).code).toBe(code);
    return;
  }
  throw new Error(`expected a ${code} error`);
}

describe('AMF0', () => {
  test('encodes a connect command byte for byte', () => {
    expect(encodeAmf0(CONNECT_VALUES)).toEqual(CONNECT_VECTOR);
  });

  test('decodes the connect command', () => {
    expect(decodeAmf0(CONNECT_VECTOR)).toEqual(CONNECT_VALUES);
  });

  test.each([
    ['number', 1.5, '00 3ff8000000000000'],
    ['negative zero', -0, '00 8000000000000000'],
    ['true', true, '01 01'],
    ['false', false, '01 00'],
    ['string', 'hé', '02 0003 68 c3a9'],
    ['empty string', '', '02 0000'],
    ['null', null, '05'],
    ['undefined', undefined, '06'],
    ['strict array', [1, 'a'], '0a 00000002 00 3ff0000000000000 02 0001 61'],
    ['date', new Date(0), '0b 0000000000000000 0000'],
    ['xml', new AmfXml('<a/>'), `0f 00000004 ${a('<a/>')}`],
  ])('%s', (_name, value, bytes) => {
    expect(encodeAmf0([value])).toEqual(hex(bytes));
    expect(decodeAmf0(hex(bytes))).toEqual([value]);
  });

  test('ECMA array: the count is only a hint, decoded as a plain object', () => {
    const bytes = hex(`08 00000001 0001 ${a('x')} 00 4000000000000000 0001 ${a('y')} 05 000009`);
    expect(decodeAmf0(bytes)).toEqual([{ x: 2, y: null }]);
    expect(encodeAmf0([new AmfEcmaArray({ x: 2 })])).toEqual(hex(`08 00000001 0001 ${a('x')} 00 4000000000000000 000009`));
  });

  test('long string above 65535 UTF-8 bytes', () => {
    const text = 'x'.repeat(70000);
    const bytes = encodeAmf0([text]);
    expect(bytes[0]).toBe(0x0c);
    expect(Array.from(bytes.subarray(1, 5))).toEqual([0x00, 0x01, 0x11, 0x70]);
    expect(decodeAmf0(bytes)).toEqual([text]);
  });

  test('typed object decodes to AmfTypedObject and round-trips', () => {
    const bytes = hex(`10 0003 ${a('Foo')} 0001 ${a('a')} 01 01 000009`);
    const [value] = decodeAmf0(bytes);
    expect(value).toBeInstanceOf(AmfTypedObject);
    expect(value).toEqual(new AmfTypedObject('Foo', { a: true }));
    expect(encodeAmf0([value])).toEqual(bytes);
  });

  test('reference (0x07) points at an earlier complex value', () => {
    const bytes = hex(`0a 00000002 03 0001 ${a('k')} 02 0001 ${a('v')} 000009 07 0001`);
    const [array] = decodeAmf0(bytes) as [AmfObject[]];
    // Index 0 is the strict array itself, 1 the object.
    expect(array[1]).toBe(array[0]);
  });

  test('unsupported (0x0d) decodes as undefined; AVM+ (0x11) switches to AMF3 for one value', () => {
    expect(decodeAmf0(hex('0d'))).toEqual([undefined]);
    expect(decodeAmf0(hex('11 04 7f 02 0001 61'))).toEqual([127, 'a']);
    expect(decodeAmf0(encodeAmf0([new Uint8Array([1, 2])]))).toEqual([new Uint8Array([1, 2])]);
  });

  test('an object key "__proto__" stays an own property', () => {
    const [value] = decodeAmf0(hex(`03 0009 ${a('__proto__')} 03 0001 ${a('x')} 05 000009 000009`)) as [AmfObject];
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
  });

  test('malformed input gives typed errors', () => {
    expectError(() => decodeAmf0(hex('00 3ff0')), 'truncated');
    expectError(() => decodeAmf0(hex('02 0005 61')), 'truncated');
    expectError(() => decodeAmf0(hex('0c ffffffff')), 'truncated');
    expectError(() => decodeAmf0(hex('0a 7fffffff 05')), 'truncated'); // a count the bytes cannot hold
    expectError(() => decodeAmf0(hex('03 0001 61')), 'truncated');
    expectError(() => decodeAmf0(hex('12')), 'amf-invalid');
    expectError(() => decodeAmf0(hex('09')), 'amf-invalid');
    expectError(() => decodeAmf0(hex('07 0000')), 'amf-invalid');
    expectError(() => decodeAmf0(hex('04')), 'amf-unsupported');
  });

  test('nesting is bounded on decode and encode (cycles)', () => {
    const deep = hex('0a 00000001 '.repeat(40) + '05');
    expectError(() => decodeAmf0(deep, { maxDepth: 32 }), 'amf-depth');
    expect(decodeAmf0(deep, { maxDepth: 64 })).toHaveLength(1);
    const cyclic: AmfObject = {};
    cyclic.self = cyclic;
    expectError(() => encodeAmf0([cyclic]), 'amf-depth');
  });
});
