// SIP over UDP (RFC 3261 18) for the RTMP gateway, sipp and desk phones. A UDP "flow" is just the
// peer's address: nothing is kept per peer, so there is nothing to bound here besides the datagram
// size (the kernel's receive buffer drops what we cannot read).

import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { preview, type Logger } from '../logger';
import type { Flow, InboundHandler } from '../../../protocol/sip/flow';
import { UdpFlow } from '../../../protocol/sip/udp-flow';

export interface UdpTransportOptions {
  host: string;
  port: number;
  logger: Logger;
  onMessage: InboundHandler;
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
    return new UdpFlow(this.socket, address, port, this.trace);
  }

  private readonly trace = (data: Buffer, flow: Flow): void => {
    if (this.opts.logger.enabled('trace')) this.opts.logger.trace(`send to ${flow.id}:\n${preview(data)}`);
  };

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
        this.opts.onMessage(msg, new UdpFlow(socket, rinfo.address, rinfo.port, this.trace));
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
