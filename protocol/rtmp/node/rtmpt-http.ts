/**
 * Mounts an `RtmptServer` on a Node `http` server. Returns false for requests outside its path prefix,
 * so the gateway can serve the WebSocket tunnel and other paths on the same port.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { RtmptServer } from '../tunnel/rtmpt-server';

export interface RtmptHttpOptions {
  /** Mount point, e.g. `/rtmpt` (default: the root, as rtmplite's rtmpt.py). */
  readonly pathPrefix?: string;
  /** Larger bodies get 413 (default 256 KiB). */
  readonly maxBodyBytes?: number;
  /** Origins allowed cross-origin (`application/x-fcs` forces a preflight), or '*'. Default: none. */
  readonly corsOrigins?: readonly string[] | '*';
}

export type RtmptHttpHandler = (request: IncomingMessage, response: ServerResponse) => boolean;

export function createRtmptHttpHandler(server: RtmptServer, options: RtmptHttpOptions = {}): RtmptHttpHandler {
  const prefix = (options.pathPrefix ?? '').replace(/\/+$/, '');
  const maxBody = options.maxBodyBytes ?? 256 * 1024;
  return (request, response) => {
    const url = request.url ?? '/';
    if (prefix && url !== prefix && !url.startsWith(`${prefix}/`)) return false;
    (request.socket as Socket).setNoDelay(true); // TCP_NODELAY on every socket (notes §8)
    const origin = request.headers.origin;
    if (origin && (options.corsOrigins === '*' || options.corsOrigins?.includes(origin))) {
      response.setHeader('Access-Control-Allow-Origin', origin);
      response.setHeader('Vary', 'Origin');
    }
    if (request.method === 'OPTIONS') {
      response.writeHead(204, { 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': 'Content-Type', 'Access-Control-Max-Age': '600' });
      response.end();
      return true;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let rejected = false;
    request.on('data', (chunk: Buffer) => {
      if (rejected) return;
      size += chunk.length;
      if (size > maxBody) {
        rejected = true;
        response.writeHead(413, { Connection: 'close' });
        response.end();
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (rejected) return;
      const body = Buffer.concat(chunks);
      const result = server.handle({
        method: request.method ?? 'GET',
        path: url.slice(prefix.length) || '/',
        contentType: request.headers['content-type'] ?? null,
        body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
      });
      response.writeHead(result.status, {
        'Content-Type': result.contentType,
        'Content-Length': String(result.body.length),
        'Cache-Control': 'no-cache',
      });
      response.end(result.body);
    });
    request.on('error', () => undefined);
    return true;
  };
}
