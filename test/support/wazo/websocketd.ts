// A local stand-in for wazo-websocketd speaking protocol v2 (and v1), after the notes in
// fixtures/wazo-openapi/websocketd/PROTOCOL.md: token check (4001/4002), `init`, `subscribe` acks,
// `start`, events for subscribed names, `token` updates, `ping`→`pong`, 4003 on expiry, 4004 on
// protocol errors. The frames are answered by the Wazo dev engine's own protocol code
// (devstack/wazo-dev/websocketd.ts); this stand-in adds what tests script: any token set as valid,
// a recording of every client frame, silence (half-open simulation), stop and restart on the same port.

import http from 'node:http';
import https from 'node:https';
import { WebSocketServer, type WebSocket } from 'ws';
import { answerFrame, eventFrame, parseFrame, wants } from '../../../devstack/wazo-dev/websocketd';
import { closeServer, listenLocal } from './listen';
import type { TestCertificate } from './tls';

export interface Session {
  socket: WebSocket;
  url: URL;
  token: string;
  version: number;
  subscriptions: string[];
  started: boolean;
  received: Array<Record<string, unknown>>;
}

export class WebsocketdMock {
  readonly validTokens = new Set<string>();
  readonly sessions: Session[] = [];
  /** When true the server neither answers nor closes: the connection looks alive but is dead. */
  silent = false;
  /** When false, `init` is never sent (a server stuck before the handshake). */
  sendInit = true;
  private readonly wss = new WebSocketServer({ noServer: true });
  private server: http.Server | https.Server;
  private listeningPort = 0;

  private constructor(private readonly tls: TestCertificate | null, server?: http.Server | https.Server) {
    this.server = server ?? this.createServer();
    this.attach(this.server);
  }

  /** Its own server on a random port (`tls` → wss). */
  static async start(tls: TestCertificate | null = null): Promise<WebsocketdMock> {
    const mock = new WebsocketdMock(tls);
    await mock.listen(0);
    return mock;
  }

  /** On an existing HTTP(S) server (e.g. the REST mock), path /api/websocketd/. */
  static attachTo(server: http.Server | https.Server): WebsocketdMock {
    return new WebsocketdMock(null, server);
  }

  get port(): number {
    return this.listeningPort || ((this.server.address() as { port?: number } | null)?.port ?? 0);
  }

  get host(): string {
    return `${this.tls ? 'wss' : 'ws'}://127.0.0.1:${this.port}`;
  }

  get openSessions(): Session[] {
    return this.sessions.filter((s) => s.socket.readyState === s.socket.OPEN);
  }

  /** Sends a bus event to every started session subscribed to it (or to `*`). */
  emitEvent(name: string, data: Record<string, unknown>): number {
    let delivered = 0;
    for (const s of this.openSessions) {
      if (!wants(s, name)) continue;
      s.socket.send(eventFrame(s.version, name, data, 'stack-uuid'));
      delivered += 1;
    }
    return delivered;
  }

  /** The server's expiry check: sessions still using `token` are closed with 4003. */
  expire(token: string): void {
    this.validTokens.delete(token);
    for (const s of this.openSessions) if (s.token === token) s.socket.close(4003, 'authentication expired');
  }

  /** Closes every open session with `code` (e.g. 4001–4004). */
  closeAll(code: number, reason = ''): void {
    for (const s of this.openSessions) s.socket.close(code, reason);
  }

  /** Simulates a crash: every connection dropped, the port closed. */
  async stop(): Promise<void> {
    for (const s of this.sessions) s.socket.terminate();
    await closeServer(this.server);
  }

  /** Comes back on the same port. */
  async restart(): Promise<void> {
    this.server = this.createServer();
    this.attach(this.server);
    await this.listen(this.listeningPort);
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.socket.terminate();
    this.wss.close();
    if (this.server.listening) await this.stop();
  }

  private createServer(): http.Server | https.Server {
    return this.tls ? https.createServer({ cert: this.tls.cert, key: this.tls.key }) : http.createServer();
  }

  private async listen(port: number): Promise<void> {
    this.listeningPort = await listenLocal(this.server, port);
  }

  private attach(server: http.Server | https.Server): void {
    server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname !== '/api/websocketd/') {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, url, req.headers['x-auth-token']));
    });
  }

  private onConnection(socket: WebSocket, url: URL, headerToken: string | string[] | undefined): void {
    const token = url.searchParams.get('token') ?? (typeof headerToken === 'string' ? headerToken : '');
    const version = Number(url.searchParams.get('version') ?? '1');
    const session: Session = { socket, url, token, version, subscriptions: [], started: false, received: [] };
    this.sessions.push(session);
    if (version !== 1 && version !== 2) return socket.close(4004, 'unsupported version');
    if (!token) return socket.close(4001, 'no token');
    if (!this.validTokens.has(token)) return socket.close(4002, 'authentication failed');
    if (this.sendInit) socket.send(JSON.stringify({ op: 'init', code: 0, data: { version } }));
    socket.on('message', (raw) => this.onMessage(session, raw.toString()));
  }

  private onMessage(session: Session, raw: string): void {
    const message = parseFrame(raw);
    if (!message) {
      session.socket.close(4004, 'not json');
      return;
    }
    session.received.push(message);
    if (this.silent) return;
    answerFrame(session, message, {
      reply: (op, payload = null) => session.socket.send(JSON.stringify({ op, code: 0, data: payload })),
      close: (code, reason) => session.socket.close(code, reason),
      acceptToken: (token) => {
        if (!this.validTokens.has(token)) return false;
        session.token = token;
        return true;
      },
    });
  }
}
