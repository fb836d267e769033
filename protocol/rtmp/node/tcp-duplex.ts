/**
 * A `ByteDuplex` over a Node TCP socket, for the Node client and the gateway's accepted connections.
 * TCP_NODELAY is set on every socket: with Nagle on, 20 ms voice frames wait tens of ms (notes §8).
 */
import { connect as netConnect, Socket } from 'node:net';
import { ByteDuplex, DuplexBase } from '../duplex';

export class TcpDuplex extends DuplexBase implements ByteDuplex {
  private ending = false;
  private failure: Error | undefined;

  constructor(
    readonly socket: Socket,
    private readonly closeGraceMs = 2000,
  ) {
    super();
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => {
      // A view, not a copy: the chunk reader copies what it keeps.
      this.deliver(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    });
    socket.on('error', (error) => {
      this.failure = error;
    });
    socket.on('close', () => {
      this.ending = true;
      this.closed(this.failure);
    });
  }

  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  write(bytes: Uint8Array): void {
    if (this.ending || this.socket.destroyed || !this.socket.writable) return;
    this.socket.write(bytes);
  }

  /** Flushes and half-closes; destroys after a grace period if the peer never closes its side. */
  close(): void {
    if (this.ending) return;
    this.ending = true;
    this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), this.closeGraceMs);
    timer.unref();
    this.socket.once('close', () => clearTimeout(timer));
  }
}

export interface TcpConnectOptions {
  readonly timeoutMs?: number;
}

/** Opens a TCP connection (e.g. to `parseRtmpUrl(url).host/port`). */
export function connectTcp(host: string, port: number, options: TcpConnectOptions = {}): Promise<TcpDuplex> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`TCP connect to ${host}:${port} timed out`));
    }, options.timeoutMs ?? 10_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      resolve(new TcpDuplex(socket));
    });
    const onError = (error: Error): void => {
      clearTimeout(timer);
      reject(error);
    };
    socket.once('error', onError);
  });
}
