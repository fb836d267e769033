/**
 * Interop with a third-party RTMP server: node-media-server 4.4.3, run as a child process on
 * 127.0.0.1 (its RTMP listener only: no HTTP, no store). It relays what one of our clients publishes to
 * another that plays. It answers no custom RPC and no ping (notes §0.5), which the last test pins down.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { RtmpClient } from '../rtmp-client';
import { connectTcp } from './tcp-duplex';
import { createPrng, randomBytes } from '../../../test/support/rtmp/prng';

const NMS_SCRIPT = `
const logger = require('node-media-server/src/core/logger.js');
logger.level = 'error';
const Context = require('node-media-server/src/core/context.js');
Context.config = { bind: '127.0.0.1', rtmp: { port: 1 } };
const NodeRtmpServer = require('node-media-server/src/server/rtmp_server.js');
const server = new NodeRtmpServer();
server.tcpServer.listen(0, '127.0.0.1', () => process.stdout.write('PORT ' + server.tcpServer.address().port + '\\n'));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

let child: ChildProcess;
let port = 0;
const clients: RtmpClient[] = [];

beforeAll(async () => {
  child = spawn(process.execPath, ['-e', NMS_SCRIPT], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] });
  port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('node-media-server did not start')), 10_000);
    let output = '';
    child.stdout!.on('data', (data: Buffer) => {
      output += data.toString();
      const match = /PORT (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`node-media-server exited with ${code}`)));
  });
}, 15_000);

afterAll(async () => {
  for (const client of clients) client.close();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin!.end();
  child.kill('SIGTERM');
  await exited;
});

async function connect(options: ConstructorParameters<typeof RtmpClient>[1] = {}): Promise<RtmpClient> {
  const client = new RtmpClient(await connectTcp('127.0.0.1', port), options);
  clients.push(client);
  const result = await client.connect(`rtmp://127.0.0.1:${port}/live`);
  expect(result.info.code).toBe('NetConnection.Connect.Success');
  return client;
}

test('NMS accepts our handshake, connect, createStream, publish and play, and relays our audio', async () => {
  const publisher = await connect();
  const player = await connect();
  const local = await publisher.createStream();
  await expect(local.publish('kazoo')).resolves.toMatchObject({ code: 'NetStream.Publish.Start' });
  const remote = await player.createStream();
  await expect(remote.play('kazoo')).resolves.toMatchObject({ code: 'NetStream.Play.Start' });

  const next = createPrng(7);
  const frames = Array.from({ length: 30 }, () => randomBytes(next, 160));
  const received: { timestamp: number; payload: Uint8Array }[] = [];
  const done = new Promise<void>((resolve) =>
    remote.on('audio', (message) => {
      received.push(message);
      if (received.length === frames.length) resolve();
    }),
  );
  for (const frame of frames) local.sendG711('pcmu', frame);
  await done;
  // NMS relays the FLV audio message unchanged, timestamps included (but on message stream 0).
  expect(received.map((m) => m.payload)).toEqual(frames.map((f) => new Uint8Array([0x82, ...f])));
  expect(received.map((m) => m.timestamp)).toEqual(frames.map((_, i) => i * 20));
  local.close();
  remote.close();
});

test('NMS never answers a custom call or a ping (why it cannot stand in for a siprtmp gateway)', async () => {
  const client = await connect({ callTimeoutMs: 300 });
  await expect(client.call('invite', 'sip:bob@example.com')).rejects.toMatchObject({ code: 'timeout' });
  await expect(client.ping(300)).rejects.toMatchObject({ code: 'timeout' });
  expect(client.state).toBe('connected');
});
