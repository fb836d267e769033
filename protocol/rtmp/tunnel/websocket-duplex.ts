/**
 * A `ByteDuplex` over a WebSocket whose binary frames carry raw RTMP bytes. Frame edges mean nothing:
 * the chunk reader is incremental (notes §6). Works with the browser's `WebSocket` and with npm `ws`
 * (client and server side), which share the shape below.
 */
import { ByteDuplex, DuplexBase } from '../duplex';

interface MessageEventLike {
  readonly data: unknown;
}

interface CloseEventLike {
  readonly code?: number;
  readonly reason?: string;
}

/** Method-style signatures keep the DOM and `ws` socket types assignable (bivariant parameters). */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<MessageEventLike> | null;
  onclose: Handler<CloseEventLike> | null;
  onerror: Handler<unknown> | null;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

const OPEN = 1;

export class WebSocketDuplex extends DuplexBase implements ByteDuplex {
  private ending = false;
  private failure: Error | undefined;

  /** Wraps an open socket (a browser/`ws` client after `open`, or a `ws` server connection). */
  constructor(private readonly socket: WebSocketLike) {
    super();
    socket.binaryType = 'arraybuffer';
    socket.onmessage = (event) => {
      const bytes = toBytes(event.data);
      if (bytes) this.deliver(bytes);
      else this.fail(new Error('text frame on the RTMP tunnel'));
    };
    socket.onclose = (event) => {
      this.ending = true;
      const clean = event.code === undefined || event.code === 1000 || event.code === 1005;
      this.closed(this.failure ?? (clean ? undefined : new Error(`WebSocket closed with ${event.code}${event.reason ? ` ${event.reason}` : ''}`)));
    };
    socket.onerror = () => {
      // The close event follows and carries the outcome.
    };
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  write(bytes: Uint8Array): void {
    if (this.ending || this.socket.readyState !== OPEN) return;
    this.socket.send(bytes);
  }

  close(): void {
    if (this.ending) return;
    this.ending = true;
    this.socket.close(1000);
  }

  private fail(error: Error): void {
    if (this.ending) return;
    this.ending = true;
    this.failure = error;
    this.socket.close(1003, 'binary frames only');
  }
}

function toBytes(data: unknown): Uint8Array | null {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

export interface WebSocketConnectOptions {
  readonly protocols?: string | string[];
  readonly timeoutMs?: number;
}

/** Opens the tunnel: `new WebSocket(url)` with the given constructor, resolved once open. */
export function connectWebSocket(url: string, WebSocketImpl: WebSocketConstructor, options: WebSocketConnectOptions = {}): Promise<WebSocketDuplex> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocketImpl(url, options.protocols);
    socket.binaryType = 'arraybuffer';
    const timer = setTimeout(() => {
      socket.onopen = socket.onclose = socket.onerror = null;
      socket.close();
      reject(new Error(`WebSocket ${url} did not open in time`));
    }, options.timeoutMs ?? 10_000);
    socket.onopen = () => {
      clearTimeout(timer);
      socket.onopen = null;
      resolve(new WebSocketDuplex(socket));
    };
    socket.onerror = () => undefined;
    socket.onclose = (event) => {
      clearTimeout(timer);
      reject(new Error(`WebSocket ${url} closed before opening (${event.code ?? 'no code'})`));
    };
  });
}
