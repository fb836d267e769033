// JsSIP user agents in plain Node for the tests: a socket on the `ws` package with the interface
// JsSIP checks (same as ../shared/lab/node-ua/ws-socket.mjs), and helpers that start a UA and wait
// for its events with a bounded timeout.

import * as JsSIP from 'jssip';
import WebSocket from 'ws';
import type { UA } from 'jssip/lib/UA.js';

// JsSIP keeps transaction timers (Timer K/J, 5 s; Timer F, 32 s after a socket is cut) that would
// hold jest open after the last test; unref them so only real handles (sockets) keep a test alive.
const realSetTimeout = globalThis.setTimeout;
globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
  const handle = realSetTimeout(...args);
  handle.unref?.();
  return handle;
}) as typeof setTimeout;

export class NodeWebSocketInterface {
  onconnect: () => void = () => undefined;
  ondisconnect: (error: boolean, code: number, reason: string) => void = () => undefined;
  ondata: (data: string) => void = () => undefined;
  private ws: WebSocket | null = null;
  private readonly _sipUri: string;
  private _viaTransport: string;

  /** `wsOptions`: e.g. `{ ca }` to trust a wss: server's self-signed certificate. */
  constructor(private readonly _url: string, private readonly wsOptions: WebSocket.ClientOptions = {}) {
    const u = new URL(_url);
    this._sipUri = `sip:${u.hostname}${u.port ? `:${u.port}` : ''};transport=ws`;
    this._viaTransport = u.protocol.slice(0, -1).toUpperCase();
  }

  get via_transport(): string {
    return this._viaTransport;
  }
  set via_transport(v: string) {
    this._viaTransport = String(v).toUpperCase();
  }
  get sip_uri(): string {
    return this._sipUri;
  }
  get url(): string {
    return this._url;
  }

  connect(): void {
    if (this.isConnected() || this.isConnecting()) return;
    const ws = new WebSocket(this._url, 'sip', this.wsOptions);
    this.ws = ws;
    ws.on('open', () => {
      if (this.ws === ws) this.onconnect();
    });
    ws.on('message', (data: WebSocket.RawData) => {
      if (this.ws === ws) this.ondata(data.toString());
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.ondisconnect(code === 1006, code, reason.toString('utf8'));
    });
    ws.on('error', () => undefined);
  }

  disconnect(): void {
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
    }
  }

  send(message: string): boolean {
    if (!this.isConnected()) return false;
    this.ws!.send(message);
    return true;
  }

  isConnected(): boolean {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  isConnecting(): boolean {
    return !!this.ws && this.ws.readyState === WebSocket.CONNECTING;
  }
}

export interface UaHandle {
  ua: UA;
  socket: NodeWebSocketInterface;
  /** Everything the UA emitted, in order (event name + first argument). */
  log: Array<{ event: string; data: unknown }>;
  /** Un-REGISTER (answered within 1 s or given up), then close the socket. */
  stop(): Promise<void>;
}

const LOGGED = ['connected', 'disconnected', 'registered', 'unregistered', 'registrationFailed', 'sipEvent', 'newMessage', 'newRTCSession'];

export function startUa(wsUrl: string, user: string, password: string, opts: { domain?: string; register?: boolean; config?: Record<string, unknown>; wsOptions?: WebSocket.ClientOptions } = {}): UaHandle {
  const socket = new NodeWebSocketInterface(wsUrl, opts.wsOptions);
  const ua = new JsSIP.UA({
    sockets: [socket as unknown as JsSIP.Socket],
    uri: `sip:${user}@${opts.domain ?? 'kazoo.test'}`,
    password,
    register: opts.register ?? true,
    user_agent: 'kazoo-js-test/JsSIP',
    connection_recovery_min_interval: 1,
    connection_recovery_max_interval: 2,
    ...opts.config,
  });
  const log: UaHandle['log'] = [];
  const emitter = ua as unknown as { on(event: string, fn: (data: unknown) => void): void };
  for (const event of LOGGED) emitter.on(event, (data) => log.push({ event, data }));
  ua.start();
  return {
    ua, socket, log,
    stop: async () => {
      let timer: NodeJS.Timeout | undefined;
      const done = ua.isRegistered()
        ? Promise.race([
            new Promise((r) => emitter.on('unregistered', r)),
            new Promise((r) => emitter.on('registrationFailed', r)),
            new Promise((r) => (timer = realSetTimeout(r, 1000))),
          ])
        : Promise.resolve();
      try {
        ua.stop();
      } catch {
        /* already stopped */
      }
      await done;
      clearTimeout(timer);
      socket.disconnect();
    },
  };
}

/** Resolve with the first `event` emitted by `target` (passing `filter`), reject after `ms`. */
export function once<T = unknown>(target: { on(event: string, fn: (data: T) => void): unknown; off?(event: string, fn: (data: T) => void): unknown; removeListener?(event: string, fn: (data: T) => void): unknown }, event: string, ms = 3000, filter: (data: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      detach();
      reject(new Error(`timeout after ${ms} ms waiting for "${event}"`));
    }, ms);
    const fn = (data: T): void => {
      if (!filter(data)) return;
      clearTimeout(timer);
      detach();
      resolve(data);
    };
    const detach = (): void => {
      if (target.off) target.off(event, fn);
      else target.removeListener?.(event, fn);
    };
    target.on(event, fn);
  });
}

/** Poll `check` every 10 ms until it returns a value (not undefined/false), at most `ms`. */
export async function waitUntil<T>(check: () => T | undefined | false, ms = 3000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timeout after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function registered(h: UaHandle, ms = 3000): Promise<unknown> {
  return h.ua.isRegistered() ? Promise.resolve() : once(h.ua as unknown as Parameters<typeof once>[0], 'registered', ms);
}
