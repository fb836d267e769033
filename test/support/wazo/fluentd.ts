// A local stand-in for fluentd's `in_http` input: `POST /<tag>` with a JSON object or array of objects
// (application/json), or a `json=` form field (application/x-www-form-urlencoded). Anything else is a 400,
// as fluentd answers. Keeps every accepted record with its tag, and the raw bodies for leak checks.

import http from 'node:http';
import { closeServer, listenLocal } from './listen';

export interface FluentRecord {
  tag: string;
  record: Record<string, unknown>;
}

export class FluentdMock {
  readonly records: FluentRecord[] = [];
  readonly rawBodies: string[] = [];
  readonly rawHeaders: Array<Record<string, string | string[] | undefined>> = [];
  /** Statuses to answer with before accepting (e.g. [500] to test a retry). */
  failNext: number[] = [];
  requests = 0;
  port = 0;

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<FluentdMock> {
    const server = http.createServer();
    const mock = new FluentdMock(server);
    server.on('request', (req, res) => void mock.handle(req, res));
    mock.port = await listenLocal(server);
    return mock;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    this.requests += 1;
    this.rawBodies.push(text);
    this.rawHeaders.push(req.headers);
    const fail = this.failNext.shift();
    if (fail) {
      res.writeHead(fail).end();
      return;
    }
    const tag = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1)).replace(/\//g, '.');
    if (req.method !== 'POST' || !tag) {
      res.writeHead(400).end('400 Bad Request\n');
      return;
    }
    const type = String(req.headers['content-type'] ?? '');
    let payload: unknown;
    try {
      if (type.startsWith('application/json')) payload = JSON.parse(text);
      else if (type.startsWith('application/x-www-form-urlencoded')) payload = JSON.parse(new URLSearchParams(text).get('json') ?? '');
      else throw new Error('unsupported content type');
    } catch {
      res.writeHead(400).end('400 Bad Request\n');
      return;
    }
    const list = Array.isArray(payload) ? payload : [payload];
    if (!list.every((r) => r && typeof r === 'object' && !Array.isArray(r))) {
      res.writeHead(400).end('400 Bad Request\n');
      return;
    }
    for (const record of list) this.records.push({ tag, record: record as Record<string, unknown> });
    res.writeHead(200).end();
  }
}
