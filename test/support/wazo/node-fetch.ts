// A WHATWG-fetch-compatible function over node:https that trusts one CA (the test certificate), so the
// client is tested over real TLS without turning certificate checks off. Passed as the `fetch` option.
import http from 'node:http';
import https from 'node:https';
import type { FetchInit, FetchLike } from '../../../plugins/wazo/http/types';

export function fetchTrusting(ca: string): FetchLike {
  const agent = new https.Agent({ ca, keepAlive: false });
  return (url: string, init: FetchInit) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, key) => {
        headers[key] = value;
      });
      const body = encode(init.body);
      if (body) headers['content-length'] = String(body.byteLength);
      const transport = target.protocol === 'https:' ? https : http;
      const req = transport.request(
        target,
        { method: init.method ?? 'GET', headers, agent: target.protocol === 'https:' ? agent : undefined },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const responseHeaders = new Headers();
            for (const [k, v] of Object.entries(res.headers)) {
              if (v !== undefined) responseHeaders.set(k, Array.isArray(v) ? v.join(', ') : v);
            }
            const payload = Buffer.concat(chunks);
            const nullBody = status === 204 || status === 304 || init.method === 'HEAD';
            resolve(new Response(nullBody ? null : payload, { status, headers: responseHeaders }));
          });
        },
      );
      const signal = init.signal;
      const onAbort = () => req.destroy(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }));
      if (signal) {
        if (signal.aborted) onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        req.on('close', () => signal.removeEventListener('abort', onAbort));
      }
      req.on('error', reject);
      req.end(body ?? undefined);
    });
}

function encode(body: FetchInit['body']): Buffer | null {
  if (body === null || body === undefined) return null;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new Error(`fetchTrusting: unsupported body type ${Object.prototype.toString.call(body)}`);
}
