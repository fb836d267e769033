/**
 * The tunnel-only front (`--upstream`) in Node: RTMP clients over the WebSocket tunnel and RTMPT, through
 * the front, to a real RTMP server of ours on loopback TCP (the stand-in for an existing siprtmp gateway).
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import WebSocket from 'ws';
import { RtmpClient } from '../protocol/rtmp/rtmp-client';
import type { RtmpServerSession } from '../protocol/rtmp/rtmp-server-session';
import type { AmfValue } from '../protocol/rtmp/amf-values';
import { connectWebSocket } from '../protocol/rtmp/tunnel/websocket-duplex';
import { openRtmpt } from '../protocol/rtmp/tunnel/rtmpt-duplex';
import { RTMPT_CONTENT_TYPE } from '../protocol/rtmp/tunnel/rtmpt-duplex';
import { startLoopbackServer, type LoopbackServer } from '../test/support/rtmp/tcp-server';
import { createTunnelFront, type TunnelFront } from './tunnel-front';
import { HELP, parseCliArgs } from './cli-args';

jest.setTimeout(20_000);

const until = async (what: string, ok: () => boolean, timeoutMs = 5000): Promise<void> => {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

let upstream: LoopbackServer;
let front: TunnelFront;
let log: string[];
const clients: RtmpClient[] = [];

async function startFront(port: number, extra: { maxBufferedBytes?: number; maxSessions?: number } = {}): Promise<TunnelFront> {
  log = [];
  front = createTunnelFront({ upstream: { host: '127.0.0.1', port }, http: { host: '127.0.0.1', port: 0 }, logLevel: 'debug', logSink: (l) => log.push(l), ...extra });
  await front.start();
  return front;
}

beforeEach(async () => {
  upstream = await startLoopbackServer({
    onConnect: () => ({ accept: true }),
    onCommand: (command) => command.args[0] as AmfValue, // echo
  });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await front?.stop();
  await upstream.close();
});

/** connect through the front, then check calls both ways and that the password never reached the log */
async function exercise(client: RtmpClient): Promise<RtmpServerSession> {
  clients.push(client);
  const accepted = upstream.nextSession();
  await client.connect('rtmp://127.0.0.1/sip/alice@lab.test', 'alice', 'pw-never-logged', 'Alice', 'narrowband');
  const session = await accepted;
  const big = 'z'.repeat(50_000);
  await expect(client.call('echo', big)).resolves.toMatchObject({ args: [big] });
  const invoked = new Promise<string>((resolve) => client.on('command', (c) => resolve(`${c.name}(${String(c.args[0])})`)));
  session.invoke('invited', 'sip:bob@lab.test');
  await expect(invoked).resolves.toBe('invited(sip:bob@lab.test)');
  expect(front.stats().sessions).toBe(1);
  return session;
}

describe('tunnel-only front', () => {
  test('WebSocket tunnel: bytes relayed both ways to the upstream; a client close closes the upstream connection', async () => {
    await startFront(upstream.port);
    const client = new RtmpClient(await connectWebSocket(front.addresses!.wsUrl, WebSocket));
    const session = await exercise(client);
    const closed = new Promise<void>((resolve) => session.on('close', () => resolve()));
    client.close();
    await closed;
    await until('session gone', () => front.stats().sessions === 0);
    expect(log.filter((l) => / tunnel 1: /.test(l)).map((l) => l.replace(/^\S+ /, '').replace(/after [\d.]+ s, \d+ bytes up, \d+ bytes down/, 'after…'))).toEqual([
      `info tunnel 1: new ws session, connecting to 127.0.0.1:${upstream.port}`,
      'info tunnel 1: closed (client closed) after…',
    ]);
    expect(log.join('\n')).not.toContain('pw-never-logged');
  });

  test('RTMPT: the same through /open, /send, /idle; the upstream closing ends the page’s tunnel', async () => {
    await startFront(upstream.port);
    const client = new RtmpClient(await openRtmpt(front.addresses!.rtmptUrl));
    const session = await exercise(client);
    const clientClosed = new Promise<void>((resolve) => client.on('close', () => resolve()));
    session.close();
    await clientClosed;
    await until('session gone', () => front.stats().sessions === 0);
    expect(log.some((l) => /tunnel 1: new rtmpt session/.test(l))).toBe(true);
    expect(log.some((l) => /tunnel 1: closed \((upstream closed|upstream failed: .*)\)/.test(l))).toBe(true);
    expect(log.join('\n')).not.toContain('pw-never-logged');
  });

  test('one upstream connection per tunnel session', async () => {
    await startFront(upstream.port);
    const a = new RtmpClient(await connectWebSocket(front.addresses!.wsUrl, WebSocket));
    const b = new RtmpClient(await openRtmpt(front.addresses!.rtmptUrl));
    clients.push(a, b);
    await a.connect('rtmp://127.0.0.1/sip/a@lab.test', 'a', 'x');
    await b.connect('rtmp://127.0.0.1/sip/b@lab.test', 'b', 'y');
    expect(upstream.sessions).toHaveLength(2);
    expect(front.stats().sessions).toBe(2);
  });

  test('upstream unreachable: the page’s tunnel is closed, the reason logged', async () => {
    const probe = createServer();
    const port = await new Promise<number>((r) => probe.listen(0, '127.0.0.1', () => r((probe.address() as AddressInfo).port)));
    await new Promise((r) => probe.close(r));
    await startFront(port);
    const duplex = await connectWebSocket(front.addresses!.wsUrl, WebSocket);
    const client = new RtmpClient(duplex);
    clients.push(client);
    await expect(client.connect('rtmp://127.0.0.1/sip/a@lab.test', 'a', 'x')).rejects.toThrow();
    await until('logged', () => log.some((l) => /tunnel 1: closed \(upstream unreachable: .*ECONNREFUSED/.test(l)));
    expect(front.stats().sessions).toBe(0);
  });

  test('bounded: an upstream that stops reading gets the session closed, not an ever-growing buffer', async () => {
    const sockets: Socket[] = [];
    const stalled = createServer((s) => { sockets.push(s); s.pause(); });
    const port = await new Promise<number>((r) => stalled.listen(0, '127.0.0.1', () => r((stalled.address() as AddressInfo).port)));
    try {
      await startFront(port, { maxBufferedBytes: 64 * 1024 });
      const ws = new WebSocket(front.addresses!.wsUrl);
      await new Promise((r) => ws.once('open', r));
      const closed = new Promise<void>((r) => ws.once('close', () => r()));
      const frame = new Uint8Array(128 * 1024);
      // the kernel's socket buffers absorb a few MiB first; then the front's own buffer passes 64 KiB
      for (let i = 0; i < 400 && ws.readyState === WebSocket.OPEN; i++) {
        ws.send(frame);
        if (i % 8 === 7) await new Promise((r) => setTimeout(r, 5));
      }
      await closed;
      await until('logged', () => log.some((l) => /tunnel 1: closed \(upstream too slow\)/.test(l)));
      expect(front.stats().sessions).toBe(0);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => stalled.close(r));
    }
  });

  test('bounded: an RTMPT page that stops polling gets its session closed (1 MiB pending), and the upstream with it', async () => {
    let upstreamSocket: Socket | null = null;
    let upstreamClosed = false;
    const flood = createServer((s) => {
      upstreamSocket = s;
      s.on('close', () => { upstreamClosed = true; });
      s.on('error', () => undefined);
      s.once('data', () => { for (let i = 0; i < 40; i++) s.write(Buffer.alloc(64 * 1024, 1)); });
    });
    const port = await new Promise<number>((r) => flood.listen(0, '127.0.0.1', () => r((flood.address() as AddressInfo).port)));
    try {
      await startFront(port);
      const post = (path: string, body: Uint8Array) => fetch(`${front.addresses!.rtmptUrl}${path}`, { method: 'POST', headers: { 'Content-Type': RTMPT_CONTENT_TYPE }, body: Buffer.from(body) });
      const id = (await (await post('/open/1', new Uint8Array([0]))).text()).trim();
      await post(`/send/${id}/0`, new Uint8Array([3, 1, 2, 3])); // some bytes: the upstream answers with 2.5 MiB
      await until('upstream closed', () => upstreamClosed);
      expect(upstreamSocket).not.toBeNull();
      expect(log.some((l) => /tunnel 1: closed \(client failed: RTMPT client stopped polling\)/.test(l))).toBe(true);
      expect(front.stats().sessions).toBe(0);
    } finally {
      await new Promise((r) => flood.close(r));
    }
  });

  test('more sessions than allowed are refused', async () => {
    await startFront(upstream.port, { maxSessions: 1 });
    const a = new RtmpClient(await connectWebSocket(front.addresses!.wsUrl, WebSocket));
    clients.push(a);
    await a.connect('rtmp://127.0.0.1/sip/a@lab.test', 'a', 'x');
    const duplex = await connectWebSocket(front.addresses!.wsUrl, WebSocket);
    await new Promise<void>((resolve) => { duplex.onClose = () => resolve(); duplex.onData = () => undefined; });
    expect(front.stats()).toEqual({ sessions: 1, refused: 1 });
  });
});

describe('kazoo-rtmp-gateway --upstream', () => {
  test('flags map onto the front’s options; SIP-side flags and bad URLs are errors', () => {
    expect(parseCliArgs(['--upstream', 'rtmp://10.0.0.5', '--http', '0.0.0.0:8080', '--ws-path', '/tunnel', '--max-sessions', '50', '--cors-origin', 'https://app.example'])).toEqual({
      kind: 'front',
      options: { upstream: { host: '10.0.0.5', port: 1935 }, http: { host: '0.0.0.0', port: 8080 }, wsPath: '/tunnel', maxSessions: 50, corsOrigins: ['https://app.example'], logLevel: 'info' },
    });
    expect(parseCliArgs(['--upstream', 'rtmp://127.0.0.1:1940/sip'])).toEqual({ kind: 'front', options: { upstream: { host: '127.0.0.1', port: 1940 }, logLevel: 'info' } });
    expect(parseCliArgs(['--upstream', 'rtmp://h', '--sip-server', '127.0.0.1'])).toEqual({ kind: 'error', message: '--sip-server has no meaning with --upstream (tunnel-only mode has no SIP side)' });
    expect(parseCliArgs(['--upstream', 'rtmp://h', '--rtmp', '127.0.0.1:1935'])).toMatchObject({ kind: 'error', message: expect.stringContaining('--rtmp has no meaning') });
    expect(parseCliArgs(['--upstream', 'rtmp://h', '--http', 'off'])).toMatchObject({ kind: 'error', message: expect.stringContaining('--http cannot be off') });
    expect(parseCliArgs(['--upstream', 'http://h:1935'])).toMatchObject({ kind: 'error', message: expect.stringContaining('--upstream needs rtmp://') });
    expect(parseCliArgs(['--upstream', 'rtmpt://h'])).toMatchObject({ kind: 'error', message: expect.stringContaining('RTMP over TCP') });
    expect(parseCliArgs(['--upstream'])).toMatchObject({ kind: 'error', message: '--upstream needs a value' });
    expect(HELP).toContain('--upstream rtmp://HOST[:PORT]');
  });
});
