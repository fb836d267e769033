// The flow to one UDP peer (RFC 3261 18): nothing to keep per peer, so a flow is the socket and the
// address. Shared by the dev server's UDP transport and the gateway's user agent.

import type { Socket } from 'node:dgram';
import { udpFlowId, type Flow } from './flow';

/** The largest UDP payload over IPv4; a bigger message cannot go as one datagram. */
const MAX_DATAGRAM = 65_507;

export class UdpFlow implements Flow {
  readonly transport = 'udp' as const;
  readonly reliable = false;
  readonly id: string;

  constructor(
    private readonly socket: Socket,
    readonly remoteAddress: string,
    readonly remotePort: number,
    /** Sees every datagram before it goes (a trace log). */
    private readonly onSend?: (data: Buffer, flow: UdpFlow) => void,
  ) {
    this.id = udpFlowId(remoteAddress, remotePort);
  }

  send(data: Buffer): boolean {
    if (data.length > MAX_DATAGRAM) return false;
    this.onSend?.(data, this);
    // No per-send callback (it costs a tick per datagram); send errors reach the socket's 'error' handler.
    this.socket.send(data, this.remotePort, this.remoteAddress);
    return true;
  }

  isOpen(): boolean {
    return true;
  }
}
