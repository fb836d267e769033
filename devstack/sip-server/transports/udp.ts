// SIP over UDP (RFC 3261 18) for the RTMP gateway, sipp and desk phones. A UDP "flow" is just the
// peer's address: nothing is kept per peer, so there is nothing to bound here besides the datagram
// size (the kernel's receive buffer drops what we cannot read).

import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { preview, type Logger } from '../logger';
import { udpFlowId, type Flow, type InboundHandler } from '../../../protocol/sip/flow';

export interface UdpTransportOptions {
  host: string;
  port: number;
  logger: Logger;
  onMessage: InboundHandler;
}

class UdpFlow implements Flow {
  readonly transport = 'udp' as const;
  readonly reliable = false;
  readonly id: string;

  constructor(
    private readonly socket: Socket,
    readonly remoteAddress: string,
    readonly remotePort: number,
    private readonly logger: Logger,
  ) {
    this.id = udpFlowId(remoteAddress, remotePort);
  }

  send(data: Buffer): boolean {
    if (data.length > 65507) return false;
    if (this.logger.enabled('trace')) this.logger.trace(`send to ${this.id}:\n${preview(data)}`);
    // No per-send callback (it costs a tick per datagram); send errors reach the socket's 'error' handler.
    this.socket.send(data, this.remotePort, this.remoteAddress);
    return true;
  }

  isOpen(): boolean {
    return true;
  }
}

export class UdpTransport {
  private socket: Socket | undefined;
  private boundPort = 0;

  constructor(private readonly opts: UdpTransportOptions) {}

  get port(): number {
    return this.boundPort;
  }

  /** The flow for a peer address (UDP has no connection; any address can be reached). */
  flowTo(address: string, port: number): Flow | undefined {
    if (!this.socket) return undefined;
    return new UdpFlow(this.socket, address, port, this.opts.logger);
  }

  async start(): Promise<number> {
    const socket = createSocket({ type: isIPv6(this.opts.host) ? 'udp6' : 'udp4' });
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.opts.port, this.opts.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (err) => this.opts.logger.error(`udp socket error: ${err.message}`));
    socket.on('message', (msg, rinfo) => {
      const { logger } = this.opts;
      if (logger.enabled('trace')) logger.trace(`recv from udp~${rinfo.address}~${rinfo.port}:\n${preview(msg)}`);
      try {
        this.opts.onMessage(msg, new UdpFlow(socket, rinfo.address, rinfo.port, this.opts.logger));
      } catch (err) {
        this.opts.logger.error(`udp: error handling message from ${rinfo.address}:${rinfo.port}: ${(err as Error).stack ?? String(err)}`);
      }
    });
    this.boundPort = socket.address().port;
    return this.boundPort;
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
