/** A loopback TCP listener that runs an `RtmpServerSession` per connection (tests only). */
import { createServer, Server, Socket } from 'node:net';
import { AddressInfo } from 'node:net';
import { TcpDuplex } from '../../../protocol/rtmp/node/tcp-duplex';
import { RtmpServerSession, RtmpServerSessionOptions } from '../../../protocol/rtmp/rtmp-server-session';

export interface LoopbackServer {
  readonly port: number;
  readonly sessions: RtmpServerSession[];
  /** Resolves with the next session accepted. */
  nextSession(): Promise<RtmpServerSession>;
  close(): Promise<void>;
}

export async function startLoopbackServer(options: RtmpServerSessionOptions, setup?: (session: RtmpServerSession) => void): Promise<LoopbackServer> {
  const sessions: RtmpServerSession[] = [];
  const sockets = new Set<Socket>();
  const waiting: ((session: RtmpServerSession) => void)[] = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const session = new RtmpServerSession(new TcpDuplex(socket), options);
    sessions.push(session);
    setup?.(session);
    waiting.shift()?.(session);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    sessions,
    nextSession: () => new Promise((resolve) => waiting.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
