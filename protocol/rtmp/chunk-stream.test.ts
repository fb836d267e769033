import { ChunkReader } from './chunk-reader';
import { ChunkWriter } from './chunk-writer';
import { RtmpProtocolError } from './errors';
import { DEFAULT_LIMITS, resolveLimits } from './limits';
import { MessageType, RtmpMessage } from './message';
import { setChunkSizeMessage, abortMessage } from './control-messages';
import { hex, toHex } from '../../test/support/rtmp/hex';
import { createPrng, randomBytes, randomInt, randomSlices } from '../../test/support/rtmp/prng';

function read(bytes: Uint8Array | Uint8Array[], limits = DEFAULT_LIMITS): { messages: RtmpMessage[]; reader: ChunkReader } {
  const messages: RtmpMessage[] = [];
  const reader = new ChunkReader((m) => messages.push(m), limits);
  for (const slice of Array.isArray(bytes) ? bytes : [bytes]) reader.feed(slice);
  return { messages, reader };
}

const fill = (length: number, seed = 1): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);
const hx = (bytes: Uint8Array): string => toHex(bytes).replace(/ /g, '');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof RtmpProtocolError) return error.code;
    throw error;
  }
  return undefined;
}

// Adobe RTMP spec 1.0 §5.3.2.1, example 1: four 32-byte audio messages, 20 ms apart, headers 0 / 2 / 3 / 3.
const AUDIO = [fill(32, 1), fill(32, 2), fill(32, 3), fill(32, 4)];
const SPEC_EXAMPLE_1 = hex(
  `03 0003e8 000020 08 39300000 ${hx(AUDIO[0])}` +
    `83 000014 ${hx(AUDIO[1])}` +
    `c3 ${hx(AUDIO[2])}` +
    `c3 ${hx(AUDIO[3])}`,
);
// §5.3.2.2, example 2: one 307-byte video message over 128-byte chunks.
const VIDEO = fill(307, 9);
const SPEC_EXAMPLE_2 = hex(`04 0003e8 000133 09 3a300000 ${hx(VIDEO.subarray(0, 128))} c4 ${hx(VIDEO.subarray(128, 256))} c4 ${hx(VIDEO.subarray(256))}`);

describe('chunk reader', () => {
  test('spec example 1: types 0, 2, 3, 3 on one chunk stream', () => {
    const { messages } = read(SPEC_EXAMPLE_1);
    expect(messages.map((m) => m.timestamp)).toEqual([1000, 1020, 1040, 1060]);
    expect(messages.every((m) => m.streamId === 12345 && m.typeId === 8 && m.csid === 3)).toBe(true);
    expect(messages.map((m) => m.payload)).toEqual(AUDIO);
  });

  test('spec example 2: a message split over three chunks', () => {
    const { messages } = read(SPEC_EXAMPLE_2);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ csid: 4, typeId: 9, streamId: 12346, timestamp: 1000 });
    expect(messages[0].payload).toEqual(VIDEO);
  });

  test('any slicing gives the same messages, down to one byte at a time', () => {
    const all = new Uint8Array([...SPEC_EXAMPLE_1, ...SPEC_EXAMPLE_2]);
    const whole = read(all).messages;
    const bytewise = read(Array.from(all, (b) => new Uint8Array([b]))).messages;
    expect(bytewise).toEqual(whole);
    expect(whole).toHaveLength(5);
  });

  test.each([
    [2, '02'],
    [63, '3f'],
    [64, '00 00'],
    [319, '00 ff'],
    [320, '01 00 01'],
    [65599, '01 ff ff'],
  ])('basic header for csid %d', (csid, basic) => {
    const bytes = hex(`${basic} 000000 000001 08 00000000 aa`);
    expect(read(bytes).messages[0]).toMatchObject({ csid, payload: new Uint8Array([0xaa]) });
    expect(new ChunkWriter().encode({ csid, typeId: 8, streamId: 0, timestamp: 0, payload: new Uint8Array([0xaa]) })).toEqual(bytes);
  });

  test("rtmplite's byte-swapped 3-byte csid 320 does not collide with a real csid 65", () => {
    // rtmplite writes 320 as 01 01 00 (big-endian), which decodes as 65; a real 65 is 00 01.
    const a = fill(200, 1);
    const b = fill(150, 2);
    const bytes = hex(
      `01 01 00 000000 0000c8 14 01000000 ${hx(a.subarray(0, 128))}` + // fmt 0 on "swapped 320"
        `00 01 000005 000096 14 02000000 ${hx(b.subarray(0, 128))}` + // fmt 0 on real 65
        `c1 01 00 ${hx(a.subarray(128))}` + // continuation on "swapped 320"
        `c0 01 ${hx(b.subarray(128))}`, // continuation on real 65
    );
    const { messages, reader } = read(bytes);
    expect(messages.map((m) => [m.csid, m.streamId, m.payload.length])).toEqual([
      [65, 1, 200],
      [65, 2, 150],
    ]);
    expect(messages[0].payload).toEqual(a);
    expect(messages[1].payload).toEqual(b);
    expect(reader.chunkStreamCount).toBe(2);
  });

  test('extended timestamp on type 0, with (2012 text) or without (rtmplite) repetition on type 3', () => {
    const payload = fill(200);
    const header = `03 ffffff 0000c8 08 01000000 01000000`;
    const with2012 = hex(`${header} ${hx(payload.subarray(0, 128))} c3 01000000 ${hx(payload.subarray(128))}`);
    const with2009 = hex(`${header} ${hx(payload.subarray(0, 128))} c3 ${hx(payload.subarray(128))}`);
    for (const bytes of [with2012, with2009]) {
      const { messages } = read(bytes);
      expect(messages).toHaveLength(1);
      expect(messages[0].timestamp).toBe(0x01000000);
      expect(messages[0].payload).toEqual(payload);
    }
  });

  test('extended delta on type 2; a type 3 after type 0 repeats its timestamp as the delta (§5.3.1.2.4)', () => {
    const bytes = hex(`03 000064 000001 08 00000000 aa  83 ffffff 01000000 bb  c3 01000000 cc`);
    expect(read(bytes).messages.map((m) => m.timestamp)).toEqual([100, 100 + 0x01000000, 100 + 2 * 0x01000000]);
    const afterType0 = hex(`03 000064 000001 08 00000000 aa  c3 bb`);
    expect(read(afterType0).messages.map((m) => m.timestamp)).toEqual([100, 200]);
  });

  test('interleaved chunk streams and zero-length messages', () => {
    const a = fill(300, 1);
    const b = fill(10, 2);
    const bytes = hex(
      `05 000000 00012c 09 01000000 ${hx(a.subarray(0, 128))}` +
        `06 000000 00000a 08 01000000 ${hx(b)}` +
        `07 000000 000000 12 01000000` +
        `c5 ${hx(a.subarray(128, 256))} c5 ${hx(a.subarray(256))}`,
    );
    const { messages } = read(bytes);
    expect(messages.map((m) => [m.csid, m.payload.length])).toEqual([
      [6, 10],
      [7, 0],
      [5, 300],
    ]);
    expect(messages[2].payload).toEqual(a);
  });

  test('Set Chunk Size applies to the very next chunk of the same feed', () => {
    const writer = new ChunkWriter();
    const scs = writer.encode(setChunkSizeMessage(1000));
    writer.setChunkSize(1000);
    const big = writer.encode({ csid: 3, typeId: 20, streamId: 0, timestamp: 0, payload: fill(900) });
    const { messages, reader } = read(new Uint8Array([...scs, ...big]));
    expect(messages.map((m) => m.typeId)).toEqual([MessageType.SetChunkSize, 20]);
    expect(messages[1].payload).toEqual(fill(900));
    expect(reader.incomingChunkSize).toBe(1000);
  });

  test('Abort drops the partial message of its chunk stream', () => {
    const writer = new ChunkWriter();
    const partial = writer.encode({ csid: 5, typeId: 9, streamId: 1, timestamp: 0, payload: fill(300) }).subarray(0, 12 + 128);
    const abort = new ChunkWriter().encode(abortMessage(5));
    const { messages, reader } = read([partial, abort]);
    expect(reader.bufferedBytes).toBe(0);
    expect(messages.map((m) => m.typeId)).toEqual([MessageType.Abort]);
    const next = hex(`05 000000 000001 08 01000000 ee`);
    reader.feed(next);
    expect(messages[1].payload).toEqual(new Uint8Array([0xee]));
  });

  test('limits: message size (at the header), chunk streams (idle ones are evicted), buffered bytes', () => {
    const limits = resolveLimits({ maxMessageSize: 1000, maxChunkStreams: 4, maxBufferedBytes: 1000 });
    expect(codeOf(() => read(hex('03 000000 0003e9 08 00000000'), limits))).toBe('message-too-large');
    // Idle chunk streams make room for new ones.
    const idle = Array.from({ length: 10 }, (_, i) => hex(`${(3 + i).toString(16).padStart(2, '0')} 000000 000001 08 00000000 aa`));
    const { messages, reader } = read(idle, limits);
    expect(messages).toHaveLength(10);
    expect(reader.chunkStreamCount).toBe(4);
    // Four streams with partial messages leave no room for a fifth.
    const partials = Array.from({ length: 5 }, (_, i) => hex(`${(3 + i).toString(16).padStart(2, '0')} 000000 0000c8 08 00000000 ${'00'.repeat(128)}`));
    expect(codeOf(() => read(partials, limits))).toBe('too-many-chunk-streams');
    const heavy = [hex(`03 000000 0003e8 08 00000000 ${'00'.repeat(128)}`), ...Array.from({ length: 7 }, () => hex(`c3 ${'00'.repeat(128)}`))];
    expect(codeOf(() => read(heavy, resolveLimits({ maxBufferedBytes: 900 })))).toBe('buffer-limit');
  });

  test('protocol violations are typed errors', () => {
    expect(codeOf(() => read(hex('43 000000 000001 08 aa')))).toBe('chunk-invalid'); // type 1 first
    expect(codeOf(() => read(hex('c3')))).toBe('chunk-invalid');
    expect(codeOf(() => read(hex('02 000000 000004 01 00000000 00000000')))).toBe('chunk-invalid'); // chunk size 0
    expect(codeOf(() => read(hex('02 000000 000002 01 00000000 0000')))).toBe('truncated');
  });
});

describe('chunk writer', () => {
  test('writes spec example 1 (types 0, 2, 3, 3) and example 2 byte for byte', () => {
    const writer = new ChunkWriter();
    const out = AUDIO.map((payload, i) => writer.encode({ csid: 3, typeId: 8, streamId: 12345, timestamp: 1000 + 20 * i, payload }));
    expect(hx(new Uint8Array(out.flatMap((b) => [...b])))).toBe(hx(SPEC_EXAMPLE_1));
    expect(new ChunkWriter().encode({ csid: 4, typeId: 9, streamId: 12346, timestamp: 1000, payload: VIDEO })).toEqual(SPEC_EXAMPLE_2);
  });

  test('type 1 when the length changes, type 0 when time goes back or the stream changes', () => {
    const writer = new ChunkWriter();
    const fmt = (m: Partial<RtmpMessage>): number =>
      writer.encode({ csid: 3, typeId: 20, streamId: 0, timestamp: 0, payload: new Uint8Array(4), ...m })[0] >>> 6;
    expect([fmt({}), fmt({ payload: new Uint8Array(5) }), fmt({ timestamp: 10, payload: new Uint8Array(5) }), fmt({ timestamp: 5 }), fmt({ streamId: 1 })]).toEqual([0, 1, 2, 0, 0]);
  });

  test('an extended timestamp is repeated on continuation chunks and never compressed to type 3', () => {
    const writer = new ChunkWriter();
    const first = writer.encode({ csid: 3, typeId: 8, streamId: 1, timestamp: 0x01000000, payload: fill(200) });
    expect(hx(first.subarray(0, 16))).toBe('03ffffff0000c80801000000' + '01000000');
    expect(hx(first.subarray(16 + 128, 16 + 128 + 5))).toBe('c301000000');
    const second = writer.encode({ csid: 3, typeId: 8, streamId: 1, timestamp: 0x02000000, payload: fill(200) });
    expect(second[0] >>> 6).toBe(2);
    expect(read([first, second]).messages.map((m) => m.timestamp)).toEqual([0x01000000, 0x02000000]);
  });

  test('round trip: random messages in every csid range, random chunk sizes and slicing', () => {
    const next = createPrng(4242);
    const writer = new ChunkWriter();
    const sent: RtmpMessage[] = [];
    const wire: number[] = [];
    const clocks = new Map<number, number>();
    for (let i = 0; i < 400; i++) {
      if (randomInt(next, 10) === 0) {
        const size = [1, 7, 128, 4096, 65536][randomInt(next, 5)];
        const scs = setChunkSizeMessage(size);
        wire.push(...writer.encode(scs));
        writer.setChunkSize(size);
        sent.push(scs);
        continue;
      }
      const csid = [3, 4, 63, 64, 100, 319, 320, 1000, 65599][randomInt(next, 9)];
      const step = randomInt(next, 8) === 0 ? 0x01000000 : randomInt(next, 50);
      const timestamp = randomInt(next, 10) === 0 ? randomInt(next, 1000) : ((clocks.get(csid) ?? 0) + step) >>> 0;
      clocks.set(csid, timestamp);
      const message: RtmpMessage = { csid, typeId: [8, 9, 18, 20][randomInt(next, 4)], streamId: randomInt(next, 3), timestamp, payload: randomBytes(next, randomInt(next, 600)) };
      wire.push(...writer.encode(message));
      sent.push(message);
    }
    const { messages, reader } = read(randomSlices(next, Uint8Array.from(wire), 300));
    expect(messages).toEqual(sent);
    expect(reader.bufferedBytes).toBe(0);
  });

  test('compressHeaders: false writes type 0 everywhere', () => {
    const writer = new ChunkWriter({ compressHeaders: false });
    const a = writer.encode({ csid: 3, typeId: 8, streamId: 1, timestamp: 0, payload: fill(10) });
    const b = writer.encode({ csid: 3, typeId: 8, streamId: 1, timestamp: 20, payload: fill(10) });
    expect([a[0] >>> 6, b[0] >>> 6]).toEqual([0, 0]);
  });
});
