/**
 * The three ways a client reaches the gateway, each ending in a `ByteDuplex`: RTMP over TCP, and on one
 * HTTP port the WebSocket tunnel (binary frames carry RTMP bytes) and RTMPT (POST, `application/x-fcs`).
 */
import { createServer as createHttpServer, Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, AddressInfo, Server as TcpServer, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import type { ByteDuplex } from '../protocol/rtmp/duplex';
import { TcpDuplex } from '../protocol/rtmp/node/tcp-duplex';
import { createRtmptHttpHandler } from '../protocol/rtmp/node/rtmpt-http';
import { RtmptServer } from '../protocol/rtmp/tunnel/rtmpt-server';
import { WebSocketDuplex, WebSocketLike } from '../protocol/rtmp/tunnel/websocket-duplex';
import type { HostPort } from './sip-ua';
import { rtmptForwarder, rtmptIdPrefix, type RtmptWorkerRoute } from './rtmpt-workers';

export type DuplexSink = (duplex: ByteDuplex, via: 'tcp' | 'ws' | 'rtmpt') => void;

export interface Listener {
  readonly address: HostPort;
  /**
   * Drain: no new connections, the open ones stay. TCP closes its listening socket; the HTTP port stays
   * open (the sessions of RTMPT are requests to come, and `/health` must answer) and refuses new
   * sessions by its `health` instead.
   */
  stopAccepting(): void;
  close(): Promise<void>;
}

/** What `GET /health` answers: 200 while `ok` (new sessions welcome), else 503; `body` is JSON. */
export interface HealthReport {
  readonly ok: boolean;
  readonly body: string;
}

/** Largest WebSocket frame accepted: well above one RTMP write, far below memory trouble. */
const MAX_WS_FRAME = 256 * 1024;

/** Closes a connection the gateway will not serve (full, or stopping), ignoring what it still sends. */
export function refuseDuplex(duplex: ByteDuplex): void {
  duplex.onData = () => undefined;
  duplex.onClose = () => undefined;
  duplex.close();
}

export async function listenTcp(at: HostPort, sink: DuplexSink): Promise<Listener> {
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    sink(new TcpDuplex(socket), 'tcp');
  });
  await listen(server, at);
  return {
    address: bound(server),
    // the accepted sockets stay; 'close' fires once they are gone too
    stopAccepting: () => void server.close(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface HttpListenerOptions {
  readonly wsPath: string;
  readonly maxSessions: number;
  readonly corsOrigins: readonly string[] | '*';
  /**
   * `GET /health` for a load balancer's check (none: 404). While it is not ok, new sessions are refused
   * with 503 before anything is opened (a WebSocket upgrade, an RTMPT `/open/1`), which HAProxy's
   * `retry-on 503` sends to another instance; requests of open RTMPT sessions are served as before.
   */
  readonly health?: () => HealthReport;
  /** one of several `--workers` on this port: RTMPT session ids name their worker, others' requests are forwarded (`rtmpt-workers.ts`) */
  readonly workers?: RtmptWorkerRoute;
}

const HEALTH_PATH = '/health';

export async function listenHttp(at: HostPort, options: HttpListenerOptions, sink: DuplexSink): Promise<Listener> {
  const workers = options.workers ? rtmptForwarder(options.workers) : null;
  const rtmpt = new RtmptServer({ onSession: (duplex) => sink(duplex, 'rtmpt'), maxSessions: options.maxSessions, idPrefix: options.workers && rtmptIdPrefix(options.workers.self) });
  const handleRtmpt = createRtmptHttpHandler(rtmpt, { corsOrigins: options.corsOrigins });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_FRAME, perMessageDeflate: false });
  const refusing = (): boolean => options.health !== undefined && !options.health().ok;
  const serve = (request: IncomingMessage, response: ServerResponse): void => {
    const path = (request.url ?? '/').split('?')[0];
    if (workers?.forward(path, request, response)) return;
    if (options.health && path === HEALTH_PATH && (request.method === 'GET' || request.method === 'HEAD')) {
      const report = options.health();
      response.writeHead(report.ok ? 200 : 503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : `${report.body}\n`);
      return;
    }
    if (path.startsWith('/open/') && refusing()) {
      response.writeHead(503, { 'Content-Type': 'text/plain', 'Retry-After': '1' });
      response.end('draining\n');
      return;
    }
    if (/^\/(open|send|idle|close)\//.test(path) || request.method === 'OPTIONS') {
      if (handleRtmpt(request, response)) return;
    }
    response.writeHead(404, { 'Content-Type': 'text/plain' });
    response.end('not found\n');
  };
  const server: HttpServer = createHttpServer(serve);
  server.on('upgrade', (request, socket: Socket, head) => {
    socket.on('error', () => undefined);
    if ((request.url ?? '').split('?')[0] !== options.wsPath) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    if (refusing()) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    socket.setNoDelay(true); // pages cannot set TCP_NODELAY; the server end must (notes §6)
    wss.handleUpgrade(request, socket, head, (ws) => sink(new WebSocketDuplex(ws as unknown as WebSocketLike), 'ws'));
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await listen(server, at);
  try {
    await workers?.listen(serve);
  } catch (error) {
    server.close();
    throw error;
  }
  return {
    address: bound(server),
    stopAccepting: () => undefined,
    close: async () => {
      await new Promise<void>((resolve) => {
        rtmpt.close();
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await workers?.close();
    },
  };
}

function listen(server: TcpServer | HttpServer, at: HostPort): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function bound(server: TcpServer | HttpServer): HostPort {
  const a = server.address() as AddressInfo;
  return { host: a.address, port: a.port };
}
