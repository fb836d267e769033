/**
 * Third-party interop (npm rtmp-client's NetConnection drives invite/bye through the gateway to sipp) and
 * seeded fuzzing of the gateway's RTMP side over real sockets: random bytes and mutations of a recorded
 * real login; the gateway must not crash or hang, must close bad sessions, keep memory bounded and leave
 * a live session next to them working.
 */
import { connect as netConnect, Socket } from 'node:net';
import type { ByteDuplex } from '../protocol/rtmp/duplex';
import { RtmpClient } from '../protocol/rtmp/rtmp-client';
import { connectTcp } from '../protocol/rtmp/node/tcp-duplex';
import { concatBytes } from '../protocol/rtmp/concat-bytes';
import { createPrng, mutate, randomBytes, randomInt } from '../test/support/rtmp/prng';
import { freeUdpPort, killSipps, Phone, Rig, sleep, startRig, startSippEcho, until } from '../test/support/gateway/harness';

jest.setTimeout(40_000);

interface Info {
  code: string;
}
interface NetConnectionLike {
  onStatus(info: Info): void;
  connect(uri: string, ...args: unknown[]): boolean;
  call(name: string, responder: null, ...args: unknown[]): Promise<unknown>;
  close(): void;
  [method: string]: unknown;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { NetConnection } = require('rtmp-client') as { NetConnection: new () => NetConnectionLike };

let rig: Rig;

beforeAll(async () => {
  rig = await startRig({ maxSessions: 40 });
});

afterAll(async () => {
  killSipps();
  await rig.stop();
});

test('npm rtmp-client connects, invites a sipp echo UAS, gets accepted, and hangs up with bye', async () => {
  const port = await freeUdpPort();
  const sipp = await startSippEcho(port, await freeUdpPort());
  const nc = new NetConnection();
  const callbacks: string[] = [];
  const accepted = new Promise<unknown[]>((resolve) => {
    nc.accepted = (...args: unknown[]) => {
      callbacks.push('accepted');
      resolve(args);
    };
  });
  const status = new Promise<Info>((resolve) => (nc.onStatus = resolve));
  nc.connect(`${rig.addresses.rtmpUrl}/1006@kazoo.test`, '1006', 'secret1006', 'Demo 1006', 'narrowband');
  expect((await status).code).toBe('NetConnection.Connect.Success');
  void nc.call('invite', null, `sip:echo@127.0.0.1:${port}`);
  expect(await accepted).toEqual(['pcmu', null]);
  void nc.call('bye', null);
  expect(await sipp.done).toBe(0);
  nc.close();
  // rtmp-client's NetConnection.close() leaves its ping timer running (PingPong is only stopped on
  // reconnect): stop it, or the test process never exits
  (nc as unknown as Record<symbol, { stop(): void }>)[Symbol.for('pingpong')]?.stop();
  await until(() => rig.gateway.stats().sessions === 0, 5000, 'session closed');
});

/** Wraps a duplex and keeps what the client writes: a real login to mutate. */
class RecordingDuplex implements ByteDuplex {
  readonly written: Uint8Array[] = [];
  constructor(private readonly inner: ByteDuplex) {
    inner.onData = (bytes) => this.onData?.(bytes);
    inner.onClose = (error) => this.onClose?.(error);
  }
  onData: ((bytes: Uint8Array) => void) | null = null;
  onClose: ((error?: Error) => void) | null = null;
  write(bytes: Uint8Array): void {
    this.written.push(bytes.slice());
    this.inner.write(bytes);
  }
  close(): void {
    this.inner.close();
  }
}

/** Sends `bytes` in random slices, then waits until the gateway closes or 300 ms pass. */
function blast(port: number, bytes: Uint8Array, next: () => number): Promise<void> {
  return new Promise((resolve) => {
    const socket: Socket = netConnect({ host: '127.0.0.1', port });
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, 300);
    socket.on('error', done);
    socket.on('close', done);
    socket.on('data', () => undefined);
    socket.on('connect', () => {
      for (let at = 0; at < bytes.length; ) {
        const size = 1 + randomInt(next, 512);
        socket.write(bytes.subarray(at, at + size));
        at += size;
      }
    });
  });
}

test('fuzz: random and mutated input on 120 connections; no crash, bounded memory, a live session unaffected', async () => {
  const port = rig.addresses.rtmp!.port;
  const recording = new RecordingDuplex(await connectTcp('127.0.0.1', port));
  const recorder = new RtmpClient(recording);
  await recorder.connect(`${rig.addresses.rtmpUrl}/1007@kazoo.test`, '1007', 'secret1007', 'x', 'narrowband');
  const stream = await recorder.createStream();
  await stream.publish('local');
  recorder.notify('invite', 'sip:nobody@kazoo.test');
  stream.sendG711('pcmu', new Uint8Array(160));
  recorder.notify('sendDTMF', '1');
  await sleep(100);
  recorder.close();
  const login = concatBytes(recording.written);

  const live = await Phone.tcp(rig.addresses, '1008');
  const next = createPrng(20240601);
  const heapBefore = process.memoryUsage().heapUsed;
  // a fixed number of seeded runs: the same inputs on every machine, whatever its load
  for (let runs = 0; runs < 120; runs += 4) {
    await Promise.all(
      [0, 1, 2, 3].map((k) => {
        const input = k === 0 ? randomBytes(next, 1 + randomInt(next, 8000)) : k === 1 ? concatBytes([login.subarray(0, 1537), randomBytes(next, randomInt(next, 6000))]) : mutate(next, login);
        return blast(port, input, next);
      }),
    );
  }
  await expect(live.client.ping(2000)).resolves.toBeGreaterThanOrEqual(0);
  await expect(live.client.call('sendDTMF', '1')).resolves.toMatchObject({ args: [false] });
  await until(() => rig.gateway.stats().sessions <= 1, 20_000, 'fuzz sessions to close');
  global.gc?.();
  expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(150 * 1024 * 1024);
  live.close();
  await until(() => rig.gateway.stats().sessions === 0, 5000, 'live session closed');
});
