// The REST plumbing shared by the Wazo services: `/api/<service>/<version>/...` routing, CORS for
// browser apps on another origin (the headers the SDK sends), bounded JSON bodies, X-Auth-Token
// checks and Wazo's error bodies. Each service module only declares routes.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TokenSession, TokenStore } from './tokens';

export interface RestRequest {
  method: string;
  /** Path after the service prefix, e.g. `/users/me/calls`. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
  rawBody: Buffer;
  /** The caller's session when the route needs a token (X-Auth-Token). */
  session: TokenSession | undefined;
}

export interface RestReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  method: string;
  /** `/users/{user_uuid}/lines/{line_id}` style template. */
  template: string;
  /** false: no X-Auth-Token needed (wazo-auth's login, status, token checks). */
  auth?: boolean;
  handle(req: RestRequest): RestReply | Promise<RestReply>;
}

export interface Service {
  /** `auth/0.1`, `confd/1.1`, ... */
  prefix: string;
  routes: Route[];
}

export const CORS_HEADERS: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, POST, PUT, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'X-Auth-Token, Content-Type, Accept, Wazo-Tenant, X-User-UUID, Authorization, Wazo-Session-Type',
  'Access-Control-Max-Age': '600',
};

const MAX_BODY_BYTES = 1 << 20;

/** Wazo's usual error body (calld, confd, dird): message, error_id, details, timestamp. */
export function apiError(status: number, message: string, errorId: string, details: Record<string, unknown> = {}): RestReply {
  return { status, body: { message, error_id: errorId, details, timestamp: Date.now() / 1000 } };
}

/** Tokens and passwords out of a URL before it is logged. */
export function maskUrl(url: string): string {
  return url.replace(/(token=)[^&]*/gi, '$1***').replace(/(\/token\/)[^/?]+/gi, '$1***').replace(/(\/tokens\/)[^/?]+/gi, '$1***');
}

function compile(template: string): { re: RegExp; names: string[] } {
  const names: string[] = [];
  const pattern = template.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { re: new RegExp(`^${pattern}/?$`), names };
}

export interface RouterOptions {
  tokens: TokenStore;
  log: (line: string) => void;
}

export function createRestHandler(services: Service[], opts: RouterOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const table = services.flatMap((s) => s.routes.map((r) => ({ service: s, route: r, ...compile(r.template) })));
  const send = (res: ServerResponse, method: string, reply: RestReply): void => {
    const headers: Record<string, string> = { ...CORS_HEADERS, ...reply.headers };
    let payload = '';
    if (reply.body !== undefined && reply.body !== null && reply.status !== 204) {
      payload = JSON.stringify(reply.body);
      headers['Content-Type'] = 'application/json';
    }
    res.writeHead(reply.status, headers);
    res.end(method === 'HEAD' ? undefined : payload);
  };

  return (req, res) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'https://wazo.invalid');
    const started = Date.now();
    const finish = (reply: RestReply): void => {
      send(res, method, reply);
      opts.log(`${method} ${maskUrl(url.pathname + url.search)} ${reply.status} ${Date.now() - started} ms`);
    };
    if (method === 'OPTIONS') return finish({ status: 204 });
    const apiPath = url.pathname.replace(/^\/api\//, '');
    const service = services.find((s) => apiPath.startsWith(`${s.prefix}/`));
    if (!service) return finish(apiError(404, `No service at ${url.pathname}`, 'not-found'));
    const path = apiPath.slice(service.prefix.length);
    const candidates = table.filter((t) => t.service === service).map((t) => ({ t, m: t.re.exec(path) })).filter((c) => c.m);
    if (!candidates.length) return finish(apiError(404, `Not found: ${service.prefix}${path}`, 'not-found'));
    // Routes are declared literal paths first (`/users/me/...` before `/users/{user_uuid}/...`).
    const hit = candidates.find((c) => c.t.route.method === method || (method === 'HEAD' && c.t.route.method === 'GET'));
    if (!hit) return finish(apiError(405, `${method} not allowed on ${service.prefix}${path}`, 'method-not-allowed'));

    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      void (async () => {
        if (size > MAX_BODY_BYTES) return finish(apiError(413, 'Request body too large', 'too-large'));
        const rawBody = Buffer.concat(chunks);
        let body: unknown = null;
        if (rawBody.length) {
          try {
            body = JSON.parse(rawBody.toString('utf8'));
          } catch {
            return finish(apiError(400, 'The body is not valid JSON', 'invalid-data'));
          }
        }
        const params: Record<string, string> = {};
        hit.t.names.forEach((name, i) => {
          params[name] = decodeURIComponent(hit.m![i + 1]);
        });
        const header = req.headers['x-auth-token'];
        const session = opts.tokens.check(typeof header === 'string' ? header : undefined);
        if (hit.t.route.auth !== false && !session) return finish(apiError(401, 'Unauthorized', 'unauthorized'));
        try {
          finish(await hit.t.route.handle({ method, path, params, query: url.searchParams, headers: req.headers, body, rawBody, session }));
        } catch (err) {
          opts.log(`error in ${method} ${service.prefix}${hit.t.route.template}: ${(err as Error).message}`);
          finish(apiError(500, 'Internal error of the dev engine', 'internal'));
        }
      })();
    });
  };
}
