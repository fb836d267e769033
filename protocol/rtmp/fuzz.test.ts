/**
 * Fuzzing with a seeded PRNG, bounded by iterations and time: random and mutated input into the AMF
 * decoders, the chunk reader, the handshakes and whole client/server sessions. What may come out is a
 * typed RtmpProtocolError (never one coded `internal`, which marks our own bug); buffers stay bounded.
 */
import { AmfEcmaArray, AmfTypedObject, AmfValue, AmfXml } from './amf-values';
import { decodeAmf0, encodeAmf0 } from './amf0';
import { decodeAmf3 } from './amf3';
import { encodeAmf3 } from './amf3-encoder';
import { ChunkReader } from './chunk-reader';
import { ChunkWriter } from './chunk-writer';
import { encodeCommand } from './command-messages';
import { abortMessage, acknowledgementMessage, setChunkSizeMessage, setPeerBandwidthMessage, userControlMessage, windowAckSizeMessage } from './control-messages';
import { ByteDuplex } from './duplex';
import { RtmpProtocolError } from './errors';
import { ClientHandshake } from './client-handshake';
import { ServerHandshake } from './server-handshake';
import { RtmpLimits, resolveLimits } from './limits';
import { RtmpMessage } from './message';
import { RtmpClient } from './rtmp-client';
import { RtmpServerSession } from './rtmp-server-session';
import { createPrng, mutate, randomBytes, randomInt, randomSlices } from '../../test/support/rtmp/prng';

const LIMITS: RtmpLimits = resolveLimits({ maxMessageSize: 8192, maxChunkStreams: 8, maxBufferedBytes: 16384, maxAmfDepth: 16 });
const HEADER_SCRATCH = 18;

/**
 * Runs `body` a fixed number of times on a seeded PRNG: the same inputs on every run and machine (a time
 * budget made the coverage, and a failure's input, depend on the load). Counts are sized for ~1–2 s each.
 */
function fuzz(seed: number, iterations: number, body: (next: () => number, i: number) => void): void {
  const next = createPrng(seed);
  for (let i = 0; i < iterations; i++) body(next, i);
}

function expectTyped(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof RtmpProtocolError) || error.code === 'internal') throw error;
  }
}

const AMF_CORPUS: AmfValue[][] = [
  ['connect', 1, { app: 'sip/alice@example.com', tcUrl: 'rtmp://h/sip', objectEncoding: 0, fpad: false, audioCodecs: 0x180 }, 'alice', 'pw'],
  ['_result', 1, null, { level: 'status', code: 'NetConnection.Connect.Success', data: new AmfEcmaArray({ version: '3,5' }) }],
  ['onStatus', 0, null, { code: 'NetStream.Play.Start', list: [1, 'two', [3, [4]], new Date(5)] }],
  [new AmfTypedObject('flex.Msg', { body: [1, 2], headers: { a: null, b: undefined } }), new AmfXml('<x/>'), new Uint8Array([1, 2, 3])],
  ['x'.repeat(300), -1.5, 2 ** 40, true],
];

describe('fuzz', () => {
  test('AMF0 decoder', () => {
    const corpus = AMF_CORPUS.map((values) => encodeAmf0(values));
    fuzz(1, 20_000, (next) => {
      const input = randomInt(next, 4) === 0 ? randomBytes(next, randomInt(next, 64)) : mutate(next, corpus[randomInt(next, corpus.length)]);
      expectTyped(() => decodeAmf0(input, { maxDepth: 16 }));
    });
  });

  test('AMF3 decoder', () => {
    const corpus = AMF_CORPUS.map((values) => encodeAmf3(values));
    fuzz(2, 20_000, (next) => {
      const input = randomInt(next, 4) === 0 ? randomBytes(next, randomInt(next, 64)) : mutate(next, corpus[randomInt(next, corpus.length)]);
      expectTyped(() => decodeAmf3(input, { maxDepth: 16 }));
    });
  });

  test('handshakes', () => {
    fuzz(3, 400, (next) => {
      const server = new ServerHandshake();
      const client = new ClientHandshake();
      client.start();
      const input = randomBytes(next, randomInt(next, 4000));
      if (randomInt(next, 2) === 0) input[0] = 3;
      for (const slice of randomSlices(next, input, 700)) {
        expectTyped(() => server.feed(slice));
        expectTyped(() => client.feed(slice));
      }
    });
  });

  /** A plausible chunk stream: every header form, chunk size changes, aborts, extended timestamps. */
  function chunkCorpus(next: () => number): Uint8Array {
    const writer = new ChunkWriter();
    const out: number[] = [];
    const send = (message: RtmpMessage): void => void out.push(...writer.encode(message));
    for (let i = 0; i < 12; i++) {
      switch (randomInt(next, 6)) {
        case 0: {
          const size = [1, 3, 64, 128, 4096][randomInt(next, 5)];
          send(setChunkSizeMessage(size));
          writer.setChunkSize(size);
          break;
        }
        case 1:
          send(abortMessage(randomInt(next, 10)));
          break;
        default:
          send({
            csid: [2, 3, 4, 63, 64, 319, 320, 999][randomInt(next, 8)],
            typeId: [8, 9, 18, 20, 17, 4, 22][randomInt(next, 7)],
            streamId: randomInt(next, 3),
            timestamp: randomInt(next, 3) === 0 ? 0xffffff + randomInt(next, 1000) : randomInt(next, 5000),
            payload: randomBytes(next, randomInt(next, 400)),
          });
      }
    }
    return Uint8Array.from(out);
  }

  test('chunk reader: typed errors only, buffered bytes under the limit at every step', () => {
    let messages = 0;
    fuzz(4, 500, (next) => {
      const reader = new ChunkReader(() => messages++, LIMITS);
      const input = randomInt(next, 5) === 0 ? randomBytes(next, randomInt(next, 2000)) : mutate(next, chunkCorpus(next));
      try {
        for (const slice of randomSlices(next, input, 200)) {
          reader.feed(slice);
          expect(reader.bufferedBytes).toBeLessThanOrEqual(LIMITS.maxBufferedBytes + HEADER_SCRATCH);
          expect(reader.chunkStreamCount).toBeLessThanOrEqual(LIMITS.maxChunkStreams);
        }
      } catch (error) {
        if (!(error instanceof RtmpProtocolError) || error.code === 'internal') throw error;
      }
    });
    expect(messages).toBeGreaterThan(0);
  });

  /** A duplex the test drives by hand. */
  function scriptedDuplex(): ByteDuplex & { written: number; isClosed: boolean } {
    return {
      written: 0,
      isClosed: false,
      onData: null,
      onClose: null,
      write(bytes: Uint8Array) {
        this.written += bytes.length;
      },
      close() {
        this.isClosed = true;
      },
    };
  }

  /** Session events may carry only typed, non-internal errors. */
  function failOnInternal(error: unknown): void {
    if (error === undefined) return;
    if (!(error instanceof RtmpProtocolError) || error.code === 'internal') throw error instanceof Error ? error : new Error(String(error));
  }

  function commandMessage(name: string, transactionId: number, commandObject: AmfValue, args: AmfValue[], streamId = 0, amf3 = false): RtmpMessage {
    return { csid: 3, typeId: amf3 ? 17 : 20, streamId, timestamp: 0, payload: encodeCommand({ name, transactionId, commandObject, args }, amf3 ? 'amf3' : 'amf0') };
  }

  function clientTraffic(next: () => number): Uint8Array {
    const writer = new ChunkWriter();
    const messages: RtmpMessage[] = [
      setChunkSizeMessage([1, 128, 4096][randomInt(next, 3)]),
      commandMessage('connect', 1, { app: 'sip/a@b', tcUrl: 'rtmp://h/sip/a@b', objectEncoding: randomInt(next, 2) * 3 }, ['a', 'pw']),
      commandMessage('createStream', 2, null, []),
      commandMessage('createStream', 3, null, []),
      commandMessage('publish', 0, null, ['local', 'live'], 1),
      commandMessage('play', 0, null, ['remote', -1], 2),
      { csid: 4, typeId: 8, streamId: 1, timestamp: 0, payload: randomBytes(next, 161) },
      { csid: 4, typeId: 8, streamId: 1, timestamp: 20, payload: randomBytes(next, 161) },
      userControlMessage(6, 1234),
      acknowledgementMessage(5000),
      windowAckSizeMessage(100),
      setPeerBandwidthMessage(1000, randomInt(next, 3)),
      commandMessage('invite', 4, null, ['sip:bob@x', new AmfEcmaArray({ a: 1 })], 0, randomInt(next, 2) === 1),
      commandMessage('closeStream', 0, null, [], 1),
      commandMessage('deleteStream', 0, null, [1]),
      { csid: 5, typeId: 22, streamId: 2, timestamp: 0, payload: randomBytes(next, 30) },
    ];
    return Uint8Array.from(messages.flatMap((m) => [...writer.encode(m)]));
  }

  test('server session: handshake + mutated client traffic', () => {
    fuzz(5, 500, (next) => {
      const duplex = scriptedDuplex();
      const session = new RtmpServerSession(duplex, { onConnect: () => ({ accept: true }), onCommand: () => 'ok', limits: LIMITS, connectTimeoutMs: 60_000 });
      session.on('error', failOnInternal);
      session.on('close', (event) => failOnInternal(event.error));
      const c0c1 = new ClientHandshake().start();
      const traffic = randomInt(next, 6) === 0 ? randomBytes(next, randomInt(next, 3000)) : mutate(next, clientTraffic(next));
      const input = new Uint8Array([...c0c1, ...new Uint8Array(1536), ...traffic]);
      for (const slice of randomSlices(next, input, 900)) {
        duplex.onData?.(slice); // must never throw
        expect(session.bufferedBytes).toBeLessThanOrEqual(LIMITS.maxBufferedBytes + HEADER_SCRATCH);
      }
      session.close();
    });
  });

  function serverTraffic(next: () => number): Uint8Array {
    const writer = new ChunkWriter();
    const messages: RtmpMessage[] = [
      windowAckSizeMessage(randomInt(next, 3000)),
      setPeerBandwidthMessage(2000, randomInt(next, 3)),
      setChunkSizeMessage([1, 128, 65536][randomInt(next, 3)]),
      commandMessage('_result', 1, null, [{ level: 'status', code: 'NetConnection.Connect.Success' }], 0, randomInt(next, 2) === 1),
      commandMessage('invited', 2, null, ['sip:bob@x', 'sip:alice@x']),
      commandMessage('onStatus', 0, null, [{ level: 'status', code: 'NetStream.Play.Start' }], 1),
      userControlMessage(0, 1),
      userControlMessage(6, 99),
      { csid: 4, typeId: 8, streamId: 1, timestamp: 0, payload: randomBytes(next, 161) },
      { csid: 4, typeId: 8, streamId: 0, timestamp: 20, payload: randomBytes(next, 161) },
      { csid: 6, typeId: 18, streamId: 1, timestamp: 0, payload: encodeAmf0(['|RtmpSampleAccess', false, false]) },
      { csid: 5, typeId: 22, streamId: 1, timestamp: 0, payload: randomBytes(next, 40) },
      commandMessage('byed', 0, null, []),
      commandMessage('close', 0, null, []),
    ];
    return Uint8Array.from(messages.flatMap((m) => [...writer.encode(m)]));
  }

  test('client session: handshake + mutated server traffic', async () => {
    const pending: Promise<unknown>[] = [];
    fuzz(6, 500, (next) => {
      const duplex = scriptedDuplex();
      const client = new RtmpClient(duplex, { limits: LIMITS, connectTimeoutMs: 60_000 });
      client.on('error', failOnInternal);
      client.on('close', (event) => failOnInternal(event.error));
      pending.push(client.connect('rtmp://h/sip/a@b', 'a', 'pw').catch(() => undefined));
      const s0s1s2 = new Uint8Array(1 + 2 * 1536);
      s0s1s2[0] = 3;
      const traffic = randomInt(next, 6) === 0 ? randomBytes(next, randomInt(next, 3000)) : mutate(next, serverTraffic(next));
      for (const slice of randomSlices(next, new Uint8Array([...s0s1s2, ...traffic]), 900)) {
        duplex.onData?.(slice);
        expect(client.bufferedBytes).toBeLessThanOrEqual(LIMITS.maxBufferedBytes + HEADER_SCRATCH);
      }
      client.close();
    });
    await Promise.all(pending);
  });
});
