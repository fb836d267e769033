/**
 * Interop with a third-party RTMP client: npm rtmp-client 1.6.3's NetConnection against our
 * RtmpServerSession over TCP. It reads commands only on chunk streams 2/3, demands an S2 echo, and hangs
 * up when a ping goes unanswered (notes §7): all three are what a gateway must get right.
 */
import { createServer, Server, Socket } from 'node:net';
import { AddressInfo } from 'node:net';
import { RtmpServerSessionOptions } from '../rtmp-server-session';
import { AmfValue } from '../amf-values';
import { TcpDuplex } from './tcp-duplex';
import { LoopbackServer, startLoopbackServer } from '../../../test/support/rtmp/tcp-server';
import { RawPeer } from '../../../test/support/rtmp/raw-peer';

interface Info {
  code: string;
  description?: string;
}
interface Responder {
  onResult(value: unknown): void;
  onStatus(info: Info): void;
}
interface NetConnectionLike {
  isConnected: boolean;
  onStatus(info: Info): void;
  connect(uri: string, ...args: unknown[]): boolean;
  call(name: string, responder: Responder | null, ...args: unknown[]): Promise<unknown>;
  close(): void;
  [method: string]: unknown;
}
interface RtmpClientModule {
  NetConnection: { new (): NetConnectionLike } & Record<symbol, number>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { NetConnection } = require('rtmp-client') as RtmpClientModule;
const PING_FREQUENCY = Symbol.for('frequency');
const PING_TIMEOUT = Symbol.for('timeout');
const defaults = { frequency: NetConnection[PING_FREQUENCY], timeout: NetConnection[PING_TIMEOUT] };

let server: LoopbackServer | null = null;
const connections: NetConnectionLike[] = [];

afterEach(async () => {
  NetConnection[PING_FREQUENCY] = defaults.frequency;
  NetConnection[PING_TIMEOUT] = defaults.timeout;
  for (const nc of connections.splice(0)) nc.close();
  await server?.close();
  server = null;
});

const options: RtmpServerSessionOptions = {
  onConnect: (request) => (request.args[1] === 'secret' ? { accept: true } : { accept: false, description: '403 Forbidden' }),
  onCommand: (command) => (command.name === 'invite' ? `calling ${String(command.args[0])}` : undefined),
};

/** Connects a NetConnection; resolves with the first status it reports. */
function connect(password: string): Promise<{ nc: NetConnectionLike; info: Info }> {
  const nc = new NetConnection();
  connections.push(nc);
  return new Promise((resolve) => {
    nc.onStatus = (info) => resolve({ nc, info });
    nc.connect(`rtmp://127.0.0.1:${server!.port}/sip/alice@example.com`, 'alice', password, 'Alice', 'narrowband');
  });
}

test('connects (S2 echoes C1), passes its arguments, and is rejected with the wrong password', async () => {
  server = await startLoopbackServer(options);
  const sessionReady = server.nextSession();
  const { info } = await connect('secret');
  expect(info.code).toBe('NetConnection.Connect.Success');
  expect((await sessionReady).connectRequest).toMatchObject({ app: 'sip/alice@example.com', args: ['alice', 'secret', 'Alice', 'narrowband'] });
  const rejected = await connect('wrong');
  expect(rejected.info).toMatchObject({ code: 'NetConnection.Connect.Rejected', description: '403 Forbidden' });
});

test('calls in both directions: invite/bye from the client, invited and a call with a result from the server', async () => {
  server = await startLoopbackServer(options);
  const sessionReady = server.nextSession();
  const { nc } = await connect('secret');
  const session = await sessionReady;
  const result = await new Promise((resolve, reject) => nc.call('invite', { onResult: resolve, onStatus: reject }, 'sip:bob@example.com'));
  expect(result).toBe('calling sip:bob@example.com');
  const bye = new Promise((resolve) => session.once('command', resolve));
  await nc.call('bye', null);
  await expect(bye).resolves.toMatchObject({ name: 'bye', transactionId: 0 });

  const invited = new Promise<unknown[]>((resolve) => {
    nc.invited = async (...args: unknown[]) => resolve(args);
  });
  // 10 KB after our Set Chunk Size 4096: rtmp-client must apply the new chunk size in time.
  const long = 'x'.repeat(10_000);
  session.invoke('invited', 'sip:bob@example.com', long);
  await expect(invited).resolves.toEqual(['sip:bob@example.com', long]);
  nc.getVersion = async () => 'rtmp-client';
  await expect(session.call('getVersion')).resolves.toMatchObject({ args: ['rtmp-client'] });
  await expect(session.call('noSuchMethod')).rejects.toMatchObject({ info: { code: 'NetConnection.Call.Failed' } });
});

test('its pings are answered, so it stays connected; a server that ignores them is dropped', async () => {
  NetConnection[PING_FREQUENCY] = 50;
  NetConnection[PING_TIMEOUT] = 300;
  server = await startLoopbackServer(options);
  const { nc } = await connect('secret');
  let closed = false;
  nc.onStatus = () => {
    closed = true;
  };
  await new Promise((resolve) => setTimeout(resolve, 800));
  expect(closed).toBe(false);
  expect(nc.isConnected).toBe(true);

  // An rtmplite/NMS-like server that never answers pings (scripted by hand).
  const silent: Server = createServer((socket: Socket) => {
    const peer = new RawPeer(new TcpDuplex(socket), 'server');
    void peer.waitForCommand('connect').then((c) => peer.sendCommand('_result', c.transactionId, null, [{ code: 'NetConnection.Connect.Success' } as AmfValue]));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const other = new NetConnection();
    connections.push(other);
    const statuses: string[] = [];
    const closedByClient = new Promise<void>((resolve) => {
      other.onStatus = (info) => {
        statuses.push(info.code);
        if (info.code === 'NetConnection.Connect.Closed') resolve();
      };
    });
    other.connect(`rtmp://127.0.0.1:${(silent.address() as AddressInfo).port}/sip`);
    await closedByClient;
    expect(statuses).toEqual(['NetConnection.Connect.Success', 'NetConnection.Connect.Closed']);
  } finally {
    await new Promise((resolve) => silent.close(resolve));
  }
});
