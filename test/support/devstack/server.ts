// Start a server on 127.0.0.1 with free ports for one test file, capturing its log lines.

import { createDevSipServer, type DevSipServer, type StartedInfo } from '../../../devstack/sip-server/server';
import type { DevSipServerOptions } from '../../../devstack/sip-server/options';

export interface TestServer {
  server: DevSipServer;
  info: StartedInfo;
  logs: string[];
}

export async function startTestServer(options: DevSipServerOptions = {}): Promise<TestServer> {
  const logs: string[] = [];
  const server = createDevSipServer({
    host: '127.0.0.1',
    wsPort: 0,
    udpPort: 0,
    logLevel: 'debug',
    logSink: (line) => {
      if (logs.length < 20000) logs.push(line);
    },
    ...options,
  });
  const info = await server.start();
  return { server, info, logs };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
