// SIP over WebSocket (RFC 7118) on the `ws` package: one HTTP server whose upgrade on `path` with
// sub-protocol `sip` becomes a flow; other HTTP requests go to an optional handler (the lab-like
// helpers). Connections are counted and capped at the handshake, dead peers are found with pings,
// and a client that does not read its messages is cut off before its queue grows without bound.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { preview, type Logger } from '../logger';
import { token } from '../../../protocol/sip/builder';
import type { Flow, InboundHandler } from '../../../protocol/sip/flow';

/** A product that shares the port (the Wazo dev engine): plain HTTP requests and other WebSocket paths are its. */
export interface WsHostHooks {
  onHttp(req: IncomingMessage, res: ServerResponse): void;
  /** An upgrade on a path other than the SIP one; return false to have it refused with 404. */
  onUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
}

export interface WsTransportOptions {
  host: string;
  port: number;
  path: string;
  maxConnections: number;
  /** Frames above this are refused by `ws` itself (close 1009); the SIP size limit is lower and answered 513. */
  maxFrameBytes: number;
  maxBufferedBytes: number;
  pingIntervalMs: number;
  logger: Logger;
  onMessage: InboundHandler;
  onClose: (flow: Flow) => void;
  onHttp?: (req: IncomingMessage, res: ServerResponse) => void;
  onUpgrade?: WsHostHooks['onUpgrade'];
  /** PEM certificate and key: HTTPS and wss: instead of HTTP and ws:. */
  tls?: { cert: string; key: string };
}

export type KickMode = 'drop' | 1001;

export function normalizeAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

class WsFlow implements Flow {
  readonly transport = 'ws' as const;
  readonly reliable = true;
  alive = true;

  constructor(
    readonly id: string,
    readonly socket: WebSocket,
    readonly remoteAddress: string,
    readonly remotePort: number,
    private readonly maxBufferedBytes: number,
    private readonly logger: Logger,
  ) {}

  send(data: Buffer): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return false;
    if (this.logger.enabled('trace')) this.logger.trace(`send to ${this.id}:\n${preview(data)}`);
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      // The peer does not read: drop it rather than queue without limit.
      this.socket.terminate();
      return false;
    }
    this.socket.send(data.toString('utf8'));
    return true;
  }

  isOpen(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }
}

export class WsTransport {
  private readonly flows = new Map<string, WsFlow>();
  private server: Server | TlsServer | undefined;
  private wss: WebSocketServer | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private boundPort = 0;

  constructor(private readonly opts: WsTransportOptions) {}

  get port(): number {
    return this.boundPort;
  }

  get connectionCount(): number {
    return this.flows.size;
  }

  flow(id: string): Flow | undefined {
    return this.flows.get(id);
  }

  async start(): Promise<number> {
    const { opts } = this;
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
      handleProtocols: (protocols: Set<string>) => (protocols.has('sip') ? 'sip' : false),
    });
    this.wss = wss;
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      if (opts.onHttp) opts.onHttp(req, res);
      else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found\n');
      }
    };
    const server = opts.tls ? createTlsServer({ cert: opts.tls.cert, key: opts.tls.key }, onRequest) : createServer(onRequest);
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    server.on('clientError', (_err, socket) => socket.destroy());
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      server.once('error', onError);
      server.listen(opts.port, opts.host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (err) => opts.logger.error(`ws server error: ${err.message}`));
    const address = server.address();
    this.boundPort = typeof address === 'object' && address ? address.port : opts.port;
    this.pingTimer = setInterval(() => this.pingAll(), opts.pingIntervalMs);
    this.pingTimer.unref();
    return this.boundPort;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (path !== this.opts.path) {
      if (this.opts.onUpgrade?.(req, socket, head)) return;
      return refuse(404, 'Not Found');
    }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim().toLowerCase());
    // RFC 7118 4.1: the client must ask for the "sip" sub-protocol.
    if (!offered.includes('sip')) return refuse(400, 'Bad Request');
    if (this.flows.size >= this.opts.maxConnections) {
      this.opts.logger.warn(`ws: refusing connection from ${normalizeAddress(req.socket.remoteAddress)}: ${this.flows.size} open (max)`);
      return refuse(503, 'Service Unavailable');
    }
    this.wss?.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req));
  }

  private accept(ws: WebSocket, req: IncomingMessage): void {
    const flow = new WsFlow(
      `ws-${token(6)}`, ws, normalizeAddress(req.socket.remoteAddress), req.socket.remotePort ?? 0, this.opts.maxBufferedBytes,
      this.opts.logger,
    );
    this.flows.set(flow.id, flow);
    this.opts.logger.debug(`ws: ${flow.id} connected from ${flow.remoteAddress}:${flow.remotePort}`);
    ws.on('pong', () => {
      flow.alive = true;
    });
    ws.on('message', (data: RawData) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (this.opts.logger.enabled('trace')) this.opts.logger.trace(`recv from ${flow.id}:\n${preview(buf)}`);
      try {
        this.opts.onMessage(buf, flow);
      } catch (err) {
        // A bug in handling one message must not take the server down.
        this.opts.logger.error(`ws: error handling message from ${flow.id}: ${(err as Error).stack ?? String(err)}`);
      }
    });
    ws.on('error', (err) => this.opts.logger.debug(`ws: ${flow.id} error: ${err.message}`));
    ws.on('close', (code) => {
      this.flows.delete(flow.id);
      this.opts.logger.debug(`ws: ${flow.id} closed (${code})`);
      this.opts.onClose(flow);
    });
  }

  private pingAll(): void {
    for (const flow of this.flows.values()) {
      if (!flow.alive) {
        flow.socket.terminate();
        continue;
      }
      flow.alive = false;
      flow.socket.ping();
    }
  }

  /** Close one connection: 'drop' = no close frame (the browser sees 1006), 1001 = "Going Away". */
  kick(id: string, mode: KickMode): boolean {
    const flow = this.flows.get(id);
    if (!flow) return false;
    if (mode === 'drop') flow.socket.terminate();
    else flow.socket.close(1001, 'Going Away');
    return true;
  }

  async stop(): Promise<void> {
    if (this.pingTimer) clearInterval(this.pingTimer);
    for (const flow of this.flows.values()) flow.socket.terminate();
    this.flows.clear();
    this.wss?.close();
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}
