// wazo-websocketd (protocol v2, and v1) on `/api/websocketd/`: the token (query `token` or
// X-Auth-Token) is checked at connect (4001 missing, 4002 invalid), the server sends `init`, then
// answers `subscribe`, `start`, `token` (a refreshed token keeps the session) and `ping`; bus events
// go to the sessions of the event's user that subscribed to its name (or `*`). A session whose token
// expires is closed with 4003; a malformed frame or unknown op closes it with 4004.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { STACK_UUID } from './directory';
import type { TokenSession, TokenStore } from './tokens';

export const WEBSOCKETD_PATH = '/api/websocketd/';

/** A session's protocol state (what the frames of §6 change). */
export interface ProtocolState {
  version: number;
  /** Event names subscribed to (`*` = all), in order. */
  subscriptions: string[];
  started: boolean;
}

export interface FrameIo {
  reply(op: string, data?: unknown): void;
  close(code: number, reason: string): void;
  /** A `token` op: true when the new token is accepted (the caller updates its session). */
  acceptToken(token: string): boolean;
}

/** A client frame as JSON, or undefined (the caller closes with 4004). */
export function parseFrame(raw: RawData | string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(raw.toString()) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * websocketd's answer to one client frame (protocol v2; v1 acknowledges only before `start`):
 * `subscribe`, `start`, `token`, `ping` → `pong`; anything else closes with 4004.
 */
export function answerFrame(state: ProtocolState, message: Record<string, unknown>, io: FrameIo): void {
  const data = (typeof message.data === 'object' && message.data !== null ? message.data : {}) as Record<string, unknown>;
  const v2 = state.version >= 2;
  switch (message.op) {
    case 'subscribe':
      if (typeof data.event_name !== 'string') return io.close(4004, 'bad subscribe');
      if (!state.subscriptions.includes(data.event_name)) state.subscriptions.push(data.event_name);
      if (v2 || !state.started) io.reply('subscribe');
      return;
    case 'start':
      state.started = true;
      return io.reply('start');
    case 'token':
      if (typeof data.token !== 'string') return io.close(4004, 'bad token op');
      if (!io.acceptToken(data.token)) return io.close(4002, 'authentication failed');
      if (v2 || !state.started) io.reply('token');
      return;
    case 'ping':
      if (typeof data.payload !== 'string') return io.close(4004, 'bad ping');
      if (v2) io.reply('pong', { payload: data.payload });
      return;
    default:
      io.close(4004, 'unknown op');
  }
}

/** Does a started session with these subscriptions receive event `name`? */
export function wants(state: ProtocolState, name: string): boolean {
  return state.started && (state.subscriptions.includes(name) || state.subscriptions.includes('*'));
}

/** The frame of a bus event: v2 wraps it in `{op: "event", code: 0, data}`, v1 sends the bus message. */
export function eventFrame(version: number, name: string, data: unknown, originUuid = STACK_UUID): string {
  const bus = { name, origin_uuid: originUuid, required_acl: `events.${name}`, data };
  return JSON.stringify(version >= 2 ? { op: 'event', code: 0, data: bus } : bus);
}

interface Session extends ProtocolState {
  socket: WebSocket;
  auth: TokenSession;
}

export interface WebsocketdOptions {
  tokens: TokenStore;
  log: (line: string) => void;
  /** How often sessions are checked for an expired token (default 1 s). */
  expiryCheckMs?: number;
  maxFrameBytes?: number;
}

export class Websocketd {
  private readonly sessions = new Set<Session>();
  private readonly wss: WebSocketServer;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly opts: WebsocketdOptions) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxFrameBytes ?? 64 * 1024, perMessageDeflate: false, clientTracking: false });
    this.timer = setInterval(() => this.closeExpired(), opts.expiryCheckMs ?? 1000);
    this.timer.unref();
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** An HTTP upgrade: ours when the path is websocketd's (with or without the trailing slash). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'https://wazo.invalid');
    if (url.pathname !== WEBSOCKETD_PATH && `${url.pathname}/` !== WEBSOCKETD_PATH) return false;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, url, req.headers['x-auth-token']));
    return true;
  }

  private accept(socket: WebSocket, url: URL, headerToken: string | string[] | undefined): void {
    socket.on('error', () => undefined);
    const token = url.searchParams.get('token') ?? (typeof headerToken === 'string' ? headerToken : '');
    const version = Number(url.searchParams.get('version') ?? '1');
    if (version !== 1 && version !== 2) return socket.close(4004, 'unsupported version');
    if (!token) return socket.close(4001, 'no token');
    const auth = this.opts.tokens.check(token);
    if (!auth) {
      this.opts.log('websocketd: connection refused (invalid token)');
      return socket.close(4002, 'authentication failed');
    }
    const session: Session = { socket, auth, version, subscriptions: [], started: false };
    this.sessions.add(session);
    this.opts.log(`websocketd: ${auth.user.username} connected (v${version})`);
    socket.on('close', () => this.sessions.delete(session));
    socket.on('message', (raw: RawData) => this.onMessage(session, raw));
    this.send(session, { op: 'init', code: 0, data: { version } });
  }

  private send(session: Session, message: unknown): void {
    if (session.socket.readyState === session.socket.OPEN) session.socket.send(JSON.stringify(message));
  }

  private onMessage(session: Session, raw: RawData): void {
    const message = parseFrame(raw);
    if (!message) return session.socket.close(4004, 'not json');
    answerFrame(session, message, {
      reply: (op, payload = null) => this.send(session, { op, code: 0, data: payload }),
      close: (code, reason) => session.socket.close(code, reason),
      acceptToken: (token) => {
        const next = this.opts.tokens.check(token);
        if (!next || next.user.uuid !== session.auth.user.uuid) return false;
        session.auth = next;
        return true;
      },
    });
  }

  /** A bus event for `userUuid`; returns how many sessions got it. */
  publish(userUuid: string, name: string, data: unknown): number {
    let delivered = 0;
    for (const s of this.sessions) {
      if (s.auth.user.uuid !== userUuid || !wants(s, name) || s.socket.readyState !== s.socket.OPEN) continue;
      s.socket.send(eventFrame(s.version, name, data));
      delivered += 1;
    }
    return delivered;
  }

  private closeExpired(): void {
    for (const s of this.sessions) {
      if (!this.opts.tokens.check(s.auth.token)) {
        s.socket.close(4003, 'authentication expired');
        this.sessions.delete(s);
      }
    }
  }

  close(): void {
    clearInterval(this.timer);
    for (const s of this.sessions) s.socket.terminate();
    this.sessions.clear();
    this.wss.close();
  }
}
