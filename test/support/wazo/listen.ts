// Start/stop of the local test servers: loopback only, random port, every connection cut on close.
import type http from 'node:http';
import type https from 'node:https';
import type { AddressInfo } from 'node:net';

type AnyServer = http.Server | https.Server;

export async function listenLocal(server: AnyServer, port = 0): Promise<number> {
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

export async function closeServer(server: AnyServer): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
