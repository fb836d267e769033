// A local HTTPS stand-in for a Wazo stack (127.0.0.1, random port). Every request is recorded and
// checked against its service's OpenAPI spec; by default the answer is generated from the spec's
// success response. Tests override answers per method + path to script errors, delays and failures.

import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SPEC_SERVICES, findOperation, loadSpec, sampleResponse, validateRequest, type IncomingRequest } from './openapi';
import { closeServer, listenLocal } from './listen';
import type { TestCertificate } from './tls';

export interface RecordedRequest extends IncomingRequest {
  url: string;
  /** `auth/0.1`, `calld/1.0`, …, `ctid-ng/1.0`; null when outside /api/<service>/. */
  prefix: string | null;
  /** `PUT calld/switchboards/{switchboard_uuid}/calls/held/{call_id}`; null when not in a spec. */
  operation: string | null;
  violations: string[];
  json(): unknown;
}

export interface MockReply {
  status?: number;
  body?: unknown;
  text?: string;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Never answer (the test closes the connection). */
  hang?: boolean;
  /** Cut the connection without an HTTP answer. */
  destroy?: boolean;
}

export type MockHandler = (req: RecordedRequest) => MockReply | undefined | Promise<MockReply | undefined>;

interface Route {
  method: string;
  match: string | RegExp;
  handler: MockHandler;
  remaining: number;
}

const KNOWN_PREFIXES = [...Object.keys(SPEC_SERVICES), 'ctid-ng/1.0'];

export class WazoMockServer {
  readonly requests: RecordedRequest[] = [];
  private routes: Route[] = [];
  port = 0;

  private constructor(readonly server: https.Server) {}

  static async start(tls: TestCertificate): Promise<WazoMockServer> {
    const server = https.createServer({ cert: tls.cert, key: tls.key });
    const mock = new WazoMockServer(server);
    server.on('request', (req, res) => void mock.handle(req, res));
    mock.port = await listenLocal(server);
    return mock;
  }

  /** `127.0.0.1:<port>`, what the clients take as `server`/`host`. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Scripts the answer to `method` on a path (`calld/1.0/users/me/calls` or a RegExp on it). */
  when(method: string, match: string | RegExp, reply: MockReply | MockHandler, times = Infinity): this {
    const handler = typeof reply === 'function' ? reply : () => reply;
    this.routes.push({ method: method.toUpperCase(), match, handler, remaining: times });
    return this;
  }

  reset(): void {
    this.requests.length = 0;
    this.routes = [];
  }

  violations(): string[] {
    return this.requests.flatMap((r) => r.violations);
  }

  requestsTo(method: string, match: string | RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method.toUpperCase() && matches(match, r));
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const apiPath = url.pathname.replace(/^\/api\//, '');
    const prefix = KNOWN_PREFIXES.find((p) => apiPath.startsWith(`${p}/`)) ?? null;
    const body = Buffer.concat(chunks);
    const recorded: RecordedRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      url: req.url ?? '/',
      path: prefix ? apiPath.slice(prefix.length) : url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      prefix,
      operation: null,
      violations: [],
      json: () => (body.length ? (JSON.parse(body.toString('utf8')) as unknown) : null),
    };
    let defaultReply: MockReply = { status: 404, body: { message: 'not found', error_id: 'not-found' } };
    const service = prefix ? SPEC_SERVICES[prefix] : undefined;
    if (service) {
      const spec = loadSpec(service);
      const operation = findOperation(spec, recorded.method, recorded.path);
      if ('error' in operation) recorded.violations.push(operation.error);
      else {
        recorded.operation = `${recorded.method} ${service}${operation.template}`;
        recorded.violations.push(...validateRequest(operation, spec, recorded));
        const sampled = sampleResponse(spec, operation);
        defaultReply = { status: sampled.status, body: sampled.body };
      }
    }
    this.requests.push(recorded);

    const route = this.routes.find((r) => r.remaining > 0 && r.method === recorded.method && matches(r.match, recorded));
    let reply = defaultReply;
    if (route) {
      route.remaining -= 1;
      reply = (await route.handler(recorded)) ?? defaultReply;
    }
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (reply.destroy) {
      req.socket.destroy();
      return;
    }
    if (reply.hang) return;
    const status = reply.status ?? 200;
    const headers: Record<string, string> = { ...reply.headers };
    let payload = '';
    if (reply.text !== undefined) payload = reply.text;
    else if (reply.body !== undefined && reply.body !== null && status !== 204) {
      payload = JSON.stringify(reply.body);
      headers['content-type'] ??= 'application/json';
    }
    res.writeHead(status, headers);
    res.end(recorded.method === 'HEAD' ? undefined : payload);
  }
}

function matches(match: string | RegExp, req: RecordedRequest): boolean {
  const full = `${req.prefix ?? ''}${req.path}`;
  return typeof match === 'string' ? full === match : match.test(full);
}
