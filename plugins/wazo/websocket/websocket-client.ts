// Client for wazo-websocketd. Protocol v2: the server sends `init`; the client answers with one
// `subscribe` per event and a `start`; events then arrive as `{op: 'event', data: <bus message>}` and are
// emitted under their name with the bus message as payload (as in the SDK: the fields sit under `.data`).
//
// Connection policy: the first connect is immediate; after a drop, retries back off exponentially with
// jitter; an expired or rejected token (4002/4003) stops retries until `updateToken`; a heartbeat detects
// silent (half-open) connections; `close()` really stops everything, including pending retries.

import { Emitter } from '../util/emitter';
import { isObject, str, type JsonObject } from '../util/json';
import { backoffDelay } from './backoff';
import { CLIENT_CLOSE, CLOSE_CODES } from './close-codes';
import { EVENT_NAMES, SOCKET_EVENTS, type WazoEventName } from './events';
import { Heartbeat, type HeartbeatOptions } from './heartbeat';
import { loadWebSocket, type WebSocketConstructor, type WebSocketLike } from './socket-impl';

export interface WebSocketClientArguments {
  /** `host[:port]` (wss), or with an explicit `ws://`/`wss://`/`http://`/`https://` scheme. */
  host: string;
  token: string;
  /** Event names to subscribe to; `'*'` means all. */
  events?: string[];
  /** websocketd protocol version. Default 2 (the original sent `version=undefined` when omitted). */
  version?: 1 | 2;
  /** Adds `userUuid` to the URL, as the Simple API does. */
  session?: { uuid?: string | null } | null;
  /** Keepalive for v2; `false` disables it. `max` (SDK) is accepted and ignored: the heartbeat never stops. */
  heartbeat?: (Partial<HeartbeatOptions> & { max?: number }) | false;
}

export interface WebSocketClientOptions {
  /** A WebSocket class to use instead of the platform's (or `ws` in Node). */
  WebSocket?: WebSocketConstructor;
  /** Third constructor argument for Node's `ws` (e.g. `{ ca }`); not passed to a platform WebSocket. */
  wsOptions?: Record<string, unknown>;
  binaryType?: 'blob' | 'arraybuffer';
  minReconnectionDelay?: number;
  maxReconnectionDelay?: number;
  reconnectionDelayGrowFactor?: number;
  /** Time allowed from opening the socket to the server's `start` acknowledgement. */
  connectionTimeout?: number;
  maxRetries?: number;
  /** [0, 1) source for the jitter; injected by tests. */
  random?: () => number;
}

/** A bus event as websocketd v2 delivers it. */
export interface WazoEvent<T = JsonObject> {
  name: string;
  origin_uuid?: string;
  required_acl?: string;
  data: T;
  [key: string]: unknown;
}

export interface CloseInfo {
  code: number;
  reason: string;
  wasClean: boolean;
}

type SocketEventMap = {
  onopen: [];
  onmessage: [data: unknown];
  onerror: [error: unknown];
  onclose: [info: CloseInfo];
  initialized: [];
  on_auth_failed: [info: CloseInfo];
  on_auth_expired: [info: CloseInfo];
  on_token_missing: [info: CloseInfo];
  on_protocol_error: [info: CloseInfo];
  on_reconnecting: [info: { attempt: number; delay: number }];
  on_heartbeat_timeout: [];
  pong: [payload: unknown];
  message: [message: JsonObject];
};

export type WebSocketClientEvents = SocketEventMap & { [K in WazoEventName]: [event: WazoEvent] } & Record<string, unknown[]>;

const DEFAULTS = {
  minReconnectionDelay: 1000,
  maxReconnectionDelay: 10_000,
  reconnectionDelayGrowFactor: 1.3,
  connectionTimeout: 10_000,
  maxRetries: Infinity,
  heartbeat: { delay: 30_000, timeout: 10_000 },
};

const OPEN = 1;

export class WebSocketClient extends Emitter<WebSocketClientEvents> {
  static eventLists: readonly string[] = EVENT_NAMES;

  readonly eventLists: readonly string[] = EVENT_NAMES;
  host: string | null;
  token: string | null;
  events: string[];
  version: 1 | 2;
  session: { uuid?: string | null } | null;
  initialized = false;
  socket: WebSocketLike | null = null;

  private readonly options: WebSocketClientOptions;
  private readonly heartbeat: Heartbeat;
  private heartbeatEnabled: boolean;
  private onHeartbeatTimeoutCallback: (() => void) | null = null;
  private onHeartbeatCallback: (() => void) | null = null;
  private attempt = 0;
  private stopped = true;
  /** Closed by the server for a token problem: wait for `updateToken` instead of retrying. */
  private waitingForToken = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private opening = 0;

  constructor(args: WebSocketClientArguments, options: WebSocketClientOptions = {}) {
    super();
    this.host = args.host;
    this.token = args.token;
    this.events = args.events ?? [];
    this.version = args.version ?? 2;
    this.session = args.session ?? null;
    this.options = options;
    const beat = args.heartbeat === false ? DEFAULTS.heartbeat : { ...DEFAULTS.heartbeat, ...args.heartbeat };
    this.heartbeatEnabled = args.heartbeat !== false;
    this.heartbeat = new Heartbeat(
      { delay: beat.delay, timeout: beat.timeout },
      () => this.pingServer(),
      () => this.onHeartbeatTimeout(),
    );
  }

  /** Opens the connection (and keeps it open until `close`). */
  connect(): void {
    this.stopped = false;
    this.waitingForToken = false;
    this.attempt = 0;
    this.clearReconnect();
    void this.open();
  }

  /** Stops for good: no retry survives. `force` also forgets host and token (as on logout). */
  close(force = false): void {
    this.stopped = true;
    this.clearReconnect();
    this.clearConnectTimer();
    this.heartbeat.stop();
    this.initialized = false;
    const socket = this.socket;
    if (socket) {
      if (force) {
        this.socket = null;
        detach(socket);
        shut(socket, CLIENT_CLOSE.NORMAL, 'client closed');
      } else {
        // The socket's own close event will report ON_CLOSE and clear `this.socket`.
        try {
          socket.close(CLIENT_CLOSE.NORMAL);
        } catch {
          detach(socket);
          this.socket = null;
        }
      }
    }
    if (force) {
      this.host = null;
      this.token = null;
    }
  }

  /** Drops the current connection and opens a new one right away. */
  reconnect(_reason?: string): void {
    if (this.stopped || !this.host || !this.token) return;
    this.waitingForToken = false;
    this.clearReconnect();
    this.abandonSocket(CLIENT_CLOSE.RECONNECT, 'reconnect');
    void this.open();
  }

  /** Sends the new token on a live v2 connection, or reconnects with it otherwise. */
  updateToken(token: string): void {
    this.token = token;
    if (this.stopped) return;
    if (this.isConnected() && this.version >= 2) {
      this.send({ op: 'token', data: { token } });
      return;
    }
    if (!this.isConnected()) {
      this.attempt = 0;
      this.reconnect('token refreshed');
    }
  }

  isConnected(): boolean {
    return !!this.socket && this.socket.readyState === OPEN;
  }

  hasHeartbeat(): boolean {
    return this.heartbeat.running;
  }

  startHeartbeat(): void {
    this.heartbeatEnabled = true;
    if (this.initialized && this.version >= 2) this.heartbeat.start();
  }

  stopHeartbeat(): void {
    this.heartbeatEnabled = false;
    this.heartbeat.stop();
  }

  setOnHeartbeatTimeout(callback: (() => void) | null): void {
    this.onHeartbeatTimeoutCallback = callback;
  }

  setOnHeartbeatCallback(callback: (() => void) | null): void {
    this.onHeartbeatCallback = callback;
  }

  pingServer(): void {
    if (this.isConnected()) this.send({ op: 'ping', data: { payload: 'pong' } });
  }

  getUrl(): string {
    const host = this.host ?? '';
    const scheme = /^(wss?|https?):\/\//i.exec(host);
    const origin = scheme ? host.replace(/^http/i, 'ws') : `wss://${host}`;
    let url = `${origin.replace(/\/+$/, '')}/api/websocketd/?token=${encodeURIComponent(this.token ?? '')}&version=${this.version}`;
    if (this.session?.uuid) url += `&userUuid=${encodeURIComponent(this.session.uuid)}`;
    return url;
  }

  private async open(): Promise<void> {
    const ticket = ++this.opening;
    let Impl: WebSocketConstructor;
    try {
      Impl = this.options.WebSocket ?? (await loadWebSocket());
    } catch (error) {
      this.emit(SOCKET_EVENTS.ON_ERROR, error);
      return;
    }
    // Something else (close, another open) happened while the implementation was loading.
    if (ticket !== this.opening || this.stopped || !this.host || !this.token) return;

    this.abandonSocket(CLIENT_CLOSE.RECONNECT, 'reconnect');
    this.initialized = false;
    let socket: WebSocketLike;
    try {
      // `wsOptions` (e.g. a CA to trust) are for `ws`, which may also be the global WebSocket in Node (kazoo-js/node
      // installs it); a browser's WebSocket ignores a third argument
      socket = this.options.wsOptions ? new Impl(this.getUrl(), [], this.options.wsOptions) : new Impl(this.getUrl());
    } catch (error) {
      this.emit(SOCKET_EVENTS.ON_ERROR, error);
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    if (this.options.binaryType) socket.binaryType = this.options.binaryType;

    socket.onopen = () => {
      if (socket === this.socket) this.emit(SOCKET_EVENTS.ON_OPEN);
    };
    socket.onerror = (event) => {
      if (socket === this.socket) this.emit(SOCKET_EVENTS.ON_ERROR, event);
    };
    socket.onmessage = (event) => {
      if (socket === this.socket) this.onMessage(event.data);
    };
    socket.onclose = (event) => {
      if (socket === this.socket) this.onClose({ code: event.code, reason: event.reason ?? '', wasClean: event.wasClean ?? false });
    };

    const timeout = this.options.connectionTimeout ?? DEFAULTS.connectionTimeout;
    this.connectTimer = setTimeout(() => {
      this.connectTimer = null;
      if (socket !== this.socket || this.initialized) return;
      this.dropDeadSocket('connection timeout');
    }, timeout);
  }

  private onMessage(raw: unknown): void {
    this.emit(SOCKET_EVENTS.ON_MESSAGE, raw);
    let message: JsonObject;
    try {
      const parsed: unknown = JSON.parse(typeof raw === 'string' ? raw : String(raw));
      if (!isObject(parsed)) return;
      message = parsed;
    } catch (error) {
      this.emit(SOCKET_EVENTS.ON_ERROR, error);
      return;
    }
    const op = str(message.op);

    if (op === 'pong') {
      this.heartbeat.onPong();
      this.emit('pong', message.data);
      this.onHeartbeatCallback?.();
      return;
    }
    if (!this.initialized) {
      this.onHandshakeMessage(op, message);
      return;
    }
    if (this.version === 1) {
      const name = str(message.name);
      if (name) this.emit(name, message as WazoEvent);
      return;
    }
    if (op === 'event' && isObject(message.data)) {
      const event = message.data as WazoEvent;
      if (event.name) this.emit(event.name, event);
    }
  }

  private onHandshakeMessage(op: string, message: JsonObject): void {
    switch (op) {
      case 'init':
        for (const event of this.events) this.send({ op: 'subscribe', data: { event_name: event } });
        this.send({ op: 'start' });
        break;
      case 'subscribe':
      case 'token':
        break;
      case 'start':
        this.initialized = true;
        this.attempt = 0;
        this.clearConnectTimer();
        if (this.heartbeatEnabled && this.version >= 2) this.heartbeat.start();
        this.emit(SOCKET_EVENTS.INITIALIZED);
        break;
      default:
        this.emit('message', message);
    }
  }

  private onClose(info: CloseInfo): void {
    this.socket = null;
    this.initialized = false;
    this.heartbeat.stop();
    this.clearConnectTimer();
    this.emit(SOCKET_EVENTS.ON_CLOSE, info);
    const rule = CLOSE_CODES[info.code];
    if (rule) this.emit(rule.event, info);
    if (this.stopped) return;
    if (rule && !rule.reconnect) {
      this.waitingForToken = true;
      return;
    }
    this.scheduleReconnect();
  }

  private onHeartbeatTimeout(): void {
    this.emit(SOCKET_EVENTS.ON_HEARTBEAT_TIMEOUT);
    this.onHeartbeatTimeoutCallback?.();
    this.dropDeadSocket('heartbeat timeout');
  }

  // The peer no longer answers: a closing handshake would wait for it too, so the socket is cut
  // (terminate where available) and replaced.
  private dropDeadSocket(reason: string): void {
    this.abandonSocket(CLIENT_CLOSE.TIMEOUT, reason);
    this.initialized = false;
    this.heartbeat.stop();
    this.emit(SOCKET_EVENTS.ON_CLOSE, { code: CLIENT_CLOSE.TIMEOUT, reason, wasClean: false });
    if (!this.stopped) this.scheduleReconnect();
  }

  private abandonSocket(code: number, reason: string): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    this.clearConnectTimer();
    detach(socket);
    if (socket.terminate) socket.terminate();
    else shut(socket, code, reason);
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.waitingForToken || this.reconnectTimer !== null) return;
    this.attempt += 1;
    if (this.attempt > (this.options.maxRetries ?? DEFAULTS.maxRetries)) return;
    const delay = backoffDelay(this.attempt, {
      minDelay: this.options.minReconnectionDelay ?? DEFAULTS.minReconnectionDelay,
      maxDelay: this.options.maxReconnectionDelay ?? DEFAULTS.maxReconnectionDelay,
      factor: this.options.reconnectionDelayGrowFactor ?? DEFAULTS.reconnectionDelayGrowFactor,
      random: this.options.random,
    });
    this.emit(SOCKET_EVENTS.ON_RECONNECTING, { attempt: this.attempt, delay });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.open();
    }, delay);
  }

  private send(message: JsonObject): void {
    try {
      this.socket?.send(JSON.stringify(message));
    } catch (error) {
      this.emit(SOCKET_EVENTS.ON_ERROR, error);
    }
  }

  private clearReconnect(): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }
}

function detach(socket: WebSocketLike): void {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onclose = null;
  // `ws` throws on an 'error' event nobody listens to (e.g. closing while still connecting).
  socket.onerror = () => undefined;
}

function shut(socket: WebSocketLike, code: number, reason: string): void {
  try {
    socket.close(code, reason);
  } catch {
    // Already closed or closing.
  }
}
