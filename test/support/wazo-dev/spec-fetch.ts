// A fetch for the Wazo client in tests that checks every exchange with the engine against Wazo's
// OpenAPI specs (fixtures/wazo-openapi): the request the client sent and the answer the engine served.
// An exchange outside a spec'd service, an undocumented status or a body off its schema is a violation.

import { fetchTrusting } from '../wazo/node-fetch';
import { SPEC_SERVICES, findOperation, loadSpec, validateRequest, validateResponse } from '../wazo/openapi';
import type { FetchInit, FetchLike } from '../../../plugins/wazo/http/types';

export interface Exchange {
  method: string;
  /** `auth/0.1/token`, `confd/1.1/users/<uuid>` … (token path segments masked). */
  path: string;
  status: number;
  operation: string | null;
  violations: string[];
}

export interface SpecCheckedFetch {
  fetch: FetchLike;
  exchanges: Exchange[];
  violations(): string[];
}

export function specCheckedFetch(ca: string): SpecCheckedFetch {
  const inner = fetchTrusting(ca);
  const exchanges: Exchange[] = [];
  const fetch: FetchLike = async (url: string, init: FetchInit) => {
    const response = await inner(url, init);
    const target = new URL(url);
    const method = (init.method ?? 'GET').toUpperCase();
    const apiPath = target.pathname.replace(/^\/api\//, '');
    const prefix = Object.keys(SPEC_SERVICES).find((p) => apiPath.startsWith(`${p}/`));
    const exchange: Exchange = { method, path: apiPath.replace(/(\/token\/)[^/]+/, '$1…'), status: response.status, operation: null, violations: [] };
    exchanges.push(exchange);
    if (!prefix) {
      exchange.violations.push(`${method} ${apiPath}: not a Wazo service with a spec`);
      return response;
    }
    const spec = loadSpec(SPEC_SERVICES[prefix]);
    const operation = findOperation(spec, method, apiPath.slice(prefix.length));
    if ('error' in operation) {
      exchange.violations.push(operation.error);
      return response;
    }
    exchange.operation = `${method} ${spec.service}${operation.template}`;
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const body = typeof init.body === 'string' ? Buffer.from(init.body) : Buffer.alloc(0);
    exchange.violations.push(...validateRequest(operation, spec, { method, path: apiPath.slice(prefix.length), query: target.searchParams, headers, body }));
    const text = method === 'HEAD' ? '' : await response.clone().text();
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        exchange.violations.push(`${exchange.operation}: the answer is not JSON`);
      }
    }
    exchange.violations.push(...validateResponse(operation, spec, response.status, parsed));
    return response;
  };
  return { fetch, exchanges, violations: () => exchanges.flatMap((e) => e.violations) };
}
