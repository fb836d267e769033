/** The browser transports, tested in Node: WebSocket tunnel (npm ws) and RTMPT (fetch ↔ node:http). */
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { RtmpClient } from '../rtmp-client';
import { RtmpServerSession, RtmpServerSessionOptions } from '../rtmp-server-session';
import { AmfValue } from '../amf-values';
import { ByteDuplex } from '../duplex';
import { WebSocketConstructor, WebSocketDuplex, connectWebSocket } from './websocket-duplex';
import { RtmptServer } from './rtmpt-server';
import { openRtmpt } from './rtmpt-duplex';
import { createRtmptHttpHandler } from '../node/rtmpt-http';

// Both the DOM's and ws's constructors fit the tunnel's constructor type (a compile-time check).
const domWebSocket: WebSocketConstructor | null = null as unknown as typeof globalThis.WebSocket | null;
const wsWebSocket: WebSocketConstructor = WebSocket;
void domWebSocket;

const sessionOptions: RtmpServerSessionOptions = {
  onConnect: () => ({ accept: true }),
  onCommand: (command) => command.args[0] as AmfValue,
};

function gatewaySession(duplex: ByteDuplex): RtmpServerSession {
  const session = new RtmpServerSession(duplex, sessionOptions);
  session.on('audio', (m) => session.sendAudio(m.payload, m.timestamp));
  return session;
}

async function exercise(client: RtmpClient): Promise<void> {
  await client.connect('rtmp://127.0.0.1/sip/alice@example.com', 'alice', 'secret');
  const big = 'z'.repeat(50_000);
  await expect(client.call('echo', big)).resolves.toMatchObject({ args: [big] });
  const local = await client.createStream();
  const remote = await client.createStream();
  await local.publish('local');
  await remote.play('remote');
  const frames = Array.from({ length: 20 }, (_, i) => new Uint8Array(160).fill(i + 1));
  const received: Uint8Array[] = [];
  const done = new Promise<void>((resolve) =>
    remote.on('audio', (m) => {
      received.push(m.tag!.data.slice());
      if (received.length === frames.length) resolve();
    }),
  );
  for (const frame of frames) local.sendG711('pcmu', frame);
  await done;
  expect(received).toEqual(frames);
  expect(await client.ping()).toBeLessThan(2000);
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('WebSocket tunnel', () => {
  test('binary frames carry RTMP both ways (ws client ↔ ws server)', async () => {
    const http = createServer();
    const wss = new WebSocketServer({ server: http, path: '/rtmp' });
    const sessions: RtmpServerSession[] = [];
    wss.on('connection', (socket) => sessions.push(gatewaySession(new WebSocketDuplex(socket))));
    const port = await listen(http);
    try {
      const duplex = await connectWebSocket(`ws://127.0.0.1:${port}/rtmp`, wsWebSocket);
      const client = new RtmpClient(duplex);
      await exercise(client);
      const closed = new Promise((resolve) => sessions[0].once('close', resolve));
      client.close();
      await closed;
    } finally {
      wss.close();
      await stop(http);
    }
  });

  test('a text frame closes the tunnel with an error; a refused upgrade rejects', async () => {
    const http = createServer();
    const wss = new WebSocketServer({ server: http, path: '/rtmp' });
    wss.on('connection', (socket) => socket.send('hello'));
    const port = await listen(http);
    try {
      const duplex = await connectWebSocket(`ws://127.0.0.1:${port}/rtmp`, wsWebSocket);
      const error = await new Promise<Error | undefined>((resolve) => (duplex.onClose = resolve));
      expect(error?.message).toMatch(/text frame/);
      await expect(connectWebSocket(`ws://127.0.0.1:${port}/elsewhere`, wsWebSocket)).rejects.toThrow();
    } finally {
      wss.close();
      await stop(http);
    }
  });
});

describe('RTMPT', () => {
  test('open/send/idle/close over fetch; the RTMP session runs unchanged', async () => {
    const sessions: RtmpServerSession[] = [];
    const rtmpt = new RtmptServer({ onSession: (duplex) => sessions.push(gatewaySession(duplex)) });
    const handler = createRtmptHttpHandler(rtmpt, { pathPrefix: '/tunnel' });
    const http = createServer((req, res) => {
      if (!handler(req, res)) res.writeHead(404).end();
    });
    const port = await listen(http);
    try {
      const duplex = await openRtmpt(`http://127.0.0.1:${port}/tunnel`, { minPollMs: 5 });
      expect(duplex.sessionId).toMatch(/^[0-9a-f]{32}$/);
      const client = new RtmpClient(duplex);
      await exercise(client);
      const closed = new Promise((resolve) => sessions[0].once('close', resolve));
      client.close();
      await closed;
      expect(rtmpt.sessionCount).toBe(0);
    } finally {
      rtmpt.close();
      await stop(http);
    }
  });

  test('protocol rules: POST only, application/x-fcs only, consecutive sequence numbers, known sessions', async () => {
    const rtmpt = new RtmptServer({ onSession: () => undefined });
    const handler = createRtmptHttpHandler(rtmpt, { corsOrigins: ['http://page.example'] });
    const http = createServer((req, res) => void handler(req, res));
    const port = await listen(http);
    const base = `http://127.0.0.1:${port}`;
    const post = (path: string, type = 'application/x-fcs', body = new Uint8Array([0])) =>
      fetch(base + path, { method: 'POST', headers: { 'Content-Type': type }, body });
    try {
      expect((await fetch(`${base}/open/1`)).status).toBe(405);
      expect((await post('/open/1', 'text/plain')).status).toBe(415);
      expect((await post('/fcs/ident2')).status).toBe(404); // Flash, Shumway and HaishinKit go on after 404
      const open = await post('/open/1');
      const id = (await open.text()).trim();
      expect(open.headers.get('content-type')).toBe('application/x-fcs');
      expect((await post(`/idle/${id}/1`)).status).toBe(400); // must start at 0
      const idle = await post(`/idle/${id}/0`);
      expect(Array.from(new Uint8Array(await idle.arrayBuffer()))).toEqual([1]); // interval byte only
      expect((await post(`/idle/nope/1`)).status).toBe(404);
      const preflight = await fetch(`${base}/open/1`, { method: 'OPTIONS', headers: { Origin: 'http://page.example' } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('http://page.example');
      expect((await post(`/close/${id}/1`)).status).toBe(200);
      expect(rtmpt.sessionCount).toBe(0);
    } finally {
      rtmpt.close();
      await stop(http);
    }
  });

  test('sessions that stop polling are closed; the number of sessions is bounded', async () => {
    const closes: (Error | undefined)[] = [];
    const rtmpt = new RtmptServer({
      idleTimeoutMs: 30,
      maxSessions: 1,
      onSession: (duplex) => {
        duplex.onClose = (error) => closes.push(error);
      },
    });
    const request = (path: string) => rtmpt.handle({ method: 'POST', path, contentType: 'application/x-fcs', body: new Uint8Array([0]) });
    expect(request('/open/1').status).toBe(200);
    expect(request('/open/1').status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(closes).toHaveLength(1);
    expect(closes[0]?.message).toMatch(/idle/);
    expect(request('/open/1').status).toBe(200);
    rtmpt.close();
  });
});
