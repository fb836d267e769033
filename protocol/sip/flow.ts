// A flow is "where a message came from and how to send back": one WebSocket connection, or one UDP
// source address. Bindings, transactions and Record-Route/Contact aliases refer to flows by id, so the
// proxy can reach a browser whose Contact host is an invented *.invalid name (RFC 7118).

export type TransportKind = 'ws' | 'udp';

export interface Flow {
  /** `ws-<random>` for a WebSocket connection, `udp~<ip>~<port>` for a UDP peer. */
  readonly id: string;
  readonly transport: TransportKind;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Reliable transports need no SIP retransmissions (RFC 3261 17.1.1.2). */
  readonly reliable: boolean;
  /** false when the flow is gone (WebSocket closed) or the send failed. */
  send(data: Buffer): boolean;
  isOpen(): boolean;
}

export type InboundHandler = (data: Buffer, flow: Flow) => void;

export function udpFlowId(address: string, port: number): string {
  return `udp~${address}~${port}`;
}

export function parseUdpFlowId(id: string): { address: string; port: number } | undefined {
  const m = /^udp~([0-9A-Fa-f:.]+)~(\d{1,5})$/.exec(id);
  return m ? { address: m[1], port: Number(m[2]) } : undefined;
}
