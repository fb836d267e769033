/** Our RtmpClient ↔ our RtmpServerSession over real TCP on 127.0.0.1. */
import { Socket } from 'node:net';
import { RtmpClient, RtmpClientOptions } from '../rtmp-client';
import { RtmpServerSession, RtmpServerSessionOptions } from '../rtmp-server-session';
import { RtmpCallError } from '../transactions';
import { AmfValue } from '../amf-values';
import { encodeG711AudioMessage } from '../audio-tag';
import { connectTcp } from './tcp-duplex';
import { LoopbackServer, startLoopbackServer } from '../../../test/support/rtmp/tcp-server';
import { createPrng, randomBytes } from '../../../test/support/rtmp/prng';

const clients: RtmpClient[] = [];
let server: LoopbackServer | null = null;

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.close();
  server = null;
});

/** A tiny stand-in for the gateway: echoes `echo`, answers `invite`, loops published audio back to the player. */
function gatewayOptions(extra: Partial<RtmpServerSessionOptions> = {}): RtmpServerSessionOptions {
  return {
    onConnect: (request) => (request.args[1] === 'secret' ? { accept: true } : { accept: false, description: '403 Forbidden' }),
    onCommand: (command) => (command.name === 'echo' ? (command.args[0] as AmfValue) : `${command.name} ok`),
    ...extra,
  };
}

function loopAudio(session: RtmpServerSession): void {
  session.on('audio', (message) => session.sendAudio(message.payload, message.timestamp));
}

async function connect(options: RtmpClientOptions = {}, password = 'secret'): Promise<RtmpClient> {
  const duplex = await connectTcp('127.0.0.1', server!.port);
  const client = new RtmpClient(duplex, options);
  clients.push(client);
  await client.connect(`rtmp://127.0.0.1:${server!.port}/sip/alice@example.com`, 'alice', password, 'Alice', 'narrowband');
  return client;
}

test('connect accepted with its arguments; wrong password rejected; TCP_NODELAY on both ends', async () => {
  const noDelay = jest.spyOn(Socket.prototype, 'setNoDelay');
  server = await startLoopbackServer(gatewayOptions());
  const accepted = server.nextSession();
  const client = await connect();
  expect((await accepted).connectRequest).toMatchObject({ app: 'sip/alice@example.com', args: ['alice', 'secret', 'Alice', 'narrowband'] });
  expect(noDelay.mock.calls.filter(([flag]) => flag === true).length).toBeGreaterThanOrEqual(2);
  noDelay.mockRestore();
  await expect(connect({}, 'wrong')).rejects.toMatchObject({ info: { code: 'NetConnection.Connect.Rejected', description: '403 Forbidden' } });
  expect(client.state).toBe('connected');
});

test('RPC both directions, ping', async () => {
  server = await startLoopbackServer(gatewayOptions());
  const sessionReady = server.nextSession();
  const client = await connect({ onCommand: (c) => (c.name === 'version' ? 'kazoo-js' : undefined) });
  const session = await sessionReady;
  await expect(client.call('invite', 'sip:bob@example.com')).resolves.toMatchObject({ args: ['invite ok'] });
  const invoked = new Promise((resolve) => client.once('command', resolve));
  session.invoke('ringing', '180 Ringing');
  await expect(invoked).resolves.toMatchObject({ name: 'ringing', args: ['180 Ringing'] });
  await expect(session.call('version')).resolves.toMatchObject({ args: ['kazoo-js'] });
  expect(await client.ping()).toBeLessThan(1000);
  expect(await session.ping()).toBeLessThan(1000);
});

async function audioRoundTrip(client: RtmpClient, frames: Uint8Array[]): Promise<Uint8Array[]> {
  const local = await client.createStream();
  const remote = await client.createStream();
  await local.publish('local');
  await remote.play('remote');
  const received: Uint8Array[] = [];
  const done = new Promise<void>((resolve) =>
    remote.on('audio', (message) => {
      received.push(message.tag!.data.slice());
      if (received.length === frames.length) resolve();
    }),
  );
  for (const frame of frames) local.sendG711('pcmu', frame);
  await done;
  return received;
}

test('publish local / play remote: 100 frames of 20 ms come back byte for byte', async () => {
  server = await startLoopbackServer(gatewayOptions(), loopAudio);
  const client = await connect();
  const next = createPrng(1);
  const frames = Array.from({ length: 100 }, () => randomBytes(next, 160));
  expect(await audioRoundTrip(client, frames)).toEqual(frames);
});

test('chunk size changes in both directions, including 1 and 65536', async () => {
  server = await startLoopbackServer(gatewayOptions());
  const sessionReady = server.nextSession();
  const client = await connect({ onCommand: (c) => c.args[0] as AmfValue });
  const session = await sessionReady;
  const text = 'é'.repeat(3000);
  for (const size of [1, 7, 128, 65536, 4096]) {
    client.setChunkSize(size);
    session.setChunkSize(size);
    await expect(client.call('echo', text)).resolves.toMatchObject({ args: [text] });
    await expect(session.call('mirror', text)).resolves.toMatchObject({ args: [text] });
  }
});

test('large messages split over many chunks (300 KB at chunk size 128)', async () => {
  server = await startLoopbackServer(gatewayOptions({ chunkSize: 128 }));
  const client = await connect({ chunkSize: 128 });
  const big = 'x'.repeat(300_000);
  await expect(client.call('echo', big)).resolves.toMatchObject({ args: [big] });
});

test('chunk stream ids ≥ 64 (2-byte form) and ≥ 320 (3-byte form) both ways', async () => {
  server = await startLoopbackServer(gatewayOptions({ chunkStreamIds: { audio: 319 } }), loopAudio);
  const client = await connect({ chunkStreamIds: { command: 100, audio: 400 } });
  await expect(client.call('echo', 'over csid 100')).resolves.toMatchObject({ args: ['over csid 100'] });
  const frames = Array.from({ length: 10 }, (_, i) => new Uint8Array(160).fill(i));
  expect(await audioRoundTrip(client, frames)).toEqual(frames);
});

test('messages above the limit close the connection with a typed error, the server survives', async () => {
  server = await startLoopbackServer(gatewayOptions({ limits: { maxMessageSize: 10_000 } }));
  const sessionReady = server.nextSession();
  const client = await connect();
  const session = await sessionReady;
  const closed = new Promise<{ error?: Error }>((resolve) => session.once('close', resolve));
  await expect(client.call('echo', 'y'.repeat(20_000))).rejects.toBeInstanceOf(RtmpCallError);
  expect((await closed).error).toMatchObject({ code: 'message-too-large' });
  await expect(connect()).resolves.toBeInstanceOf(RtmpClient);
});

test('G.711 tag bytes pass untouched (0x72 PCMA from the server)', async () => {
  server = await startLoopbackServer(gatewayOptions());
  const sessionReady = server.nextSession();
  const client = await connect();
  const session = await sessionReady;
  const remote = await client.createStream();
  await remote.play('remote');
  const got = new Promise<Uint8Array>((resolve) => remote.once('audio', (m) => resolve(m.payload)));
  session.sendAudio(encodeG711AudioMessage('pcma', new Uint8Array(160).fill(0xd5)), 0);
  const payload = await got;
  expect(payload[0]).toBe(0x72);
  expect(payload).toHaveLength(161);
});
