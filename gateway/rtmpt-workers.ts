/**
 * RTMPT across `--workers`: every worker serves the shared HTTP port (node:cluster hands each TCP
 * connection to one of them), and a WebSocket tunnel lives on its one connection. An RTMPT session is a
 * series of requests that may come over any connection, so to any worker: its id names the worker that
 * opened it (`w<index>-…`), and a worker that gets a request for another's session forwards it, unchanged,
 * over that worker's Unix socket (an HTTP server each worker runs beside the shared port) and relays the
 * answer. The session's bytes and state stay in the worker that owns it.
 */
import { rmSync } from 'node:fs';
import { Agent, createServer, request as httpRequest, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream';

export interface RtmptWorkerRoute {
  /** this worker's index */
  readonly self: number;
  /** where worker `index` takes forwarded requests */
  socketPath(index: number): string;
}

/** the route of a cluster worker whose primary is `primaryPid` (sockets in the temp directory, per primary) */
export function clusterRtmptRoute(self: number, primaryPid: number, dir = tmpdir()): RtmptWorkerRoute {
  return { self, socketPath: (index) => join(dir, `kazoo-rtmp-gateway-${primaryPid}-w${index}.sock`) };
}

export const rtmptIdPrefix = (index: number): string => `w${index}-`;

/** the worker that opened the session a `/send|idle|close/<id>/<seq>` path names, or null */
export function rtmptOwner(path: string): number | null {
  const match = /^\/(?:send|idle|close)\/w(\d{1,3})-/.exec(path);
  return match ? Number(match[1]) : null;
}

/** headers that belong to one hop (RFC 9110 §7.6.1) and are not forwarded */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host']);

function endToEnd(headers: IncomingMessage['headers']): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) kept[name] = value;
  return kept;
}

export interface RtmptForwarder {
  /** true when the request (for `path`, its URL without the query) is another worker's, forwarded (and answered once that worker has answered) */
  forward(path: string, request: IncomingMessage, response: ServerResponse): boolean;
  /** starts this worker's own socket, serving `handler` */
  listen(handler: RequestListener): Promise<void>;
  close(): Promise<void>;
}

export function rtmptForwarder(route: RtmptWorkerRoute): RtmptForwarder {
  // RTMPT polls many times a second per session: connections to the other workers are kept and reused
  const agent = new Agent({ keepAlive: true, maxFreeSockets: 16 });
  let server: Server | null = null;
  return {
    forward(path, request, response) {
      const owner = rtmptOwner(path);
      if (owner === null || owner === route.self) return false;
      const upstream = httpRequest(
        { socketPath: route.socketPath(owner), agent, method: request.method, path: request.url, headers: endToEnd(request.headers) },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
          // an answer cut short (the owner died mid-way) ends the client's response too, rather than leaving it open
          pipeline(answer, response, () => undefined);
        },
      );
      // the owner is gone (it died; a new worker has no such session either): the session is unknown
      upstream.on('error', () => {
        if (response.headersSent) response.destroy();
        else response.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such RTMPT session\n');
      });
      request.pipe(upstream);
      return true;
    },
    async listen(handler) {
      const path = route.socketPath(route.self);
      rmSync(path, { force: true }); // left by a worker of this index that was killed
      const listening = createServer(handler);
      server = listening;
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        // exclusive: in a cluster worker, a listen of its own, not a handle shared through the primary
        listening.listen({ path, exclusive: true }, () => {
          listening.off('error', reject);
          resolve();
        });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        if (!server) return resolve();
        server.closeAllConnections();
        server.close(() => resolve()); // removes the socket file
      }),
  };
}
