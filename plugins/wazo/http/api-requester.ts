// The generic REST caller (`requester.call('dird/0.1/personal')`). It owns the token, builds URLs and
// headers, applies the timeout, maps failures to typed errors and renews an expired token once.
//
// Refresh rules (each one fixes a defect of the original SDK):
// - only a request that carried our token can trigger a refresh: a wrong-password `logIn` (401) is final;
// - concurrent rejections share one refresh; requests started during it wait for its outcome;
// - the replay is rebuilt with the new token (never the captured old headers) and happens once;
// - when no new token can be had, the caller gets a RefreshTokenError instead of a doomed replay.

import { BadResponse, RefreshTokenError } from './errors';
import { maskUrl, reportRequest, reportSecret } from './diagnostics';
import { defaultParser, readBody } from './parse';
import { send } from './transport';
import { apiBaseUrl, toQueryString } from './url';
import type {
  FetchInit,
  FetchLike,
  HeaderOverrides,
  HttpMethod,
  QueryParams,
  RequestBody,
  ResponseParser,
} from './types';
import { isObject } from '../util/json';

/** Returns the new token, or null/undefined when none can be obtained. May throw when the refresh fails. */
export type RefreshTokenCallback = () => Promise<string | null | undefined | void> | string | null | undefined | void;

/** Options merged into every fetch. `headers` are added to (and override) the computed ones. */
export type FetchOptions = Omit<RequestInit, 'method' | 'body' | 'headers'> & { headers?: Record<string, string> };

export interface ApiRequesterOptions {
  server: string;
  refreshTokenCallback?: RefreshTokenCallback | null;
  clientId?: string | null;
  /** Forwarded in the fetch init for fetch implementations that take an agent (e.g. node-fetch). */
  agent?: unknown;
  token?: string | null;
  tenant?: string | null;
  fetchOptions?: FetchOptions;
  /** Milliseconds for the whole exchange, body included. Default 300 000, as in the original SDK. */
  requestTimeout?: number;
  /** Defaults to the platform `fetch`. */
  fetch?: FetchLike;
}

export interface CallOptions<T = unknown> {
  path: string;
  method?: HttpMethod | Uppercase<HttpMethod>;
  /** For GET/HEAD an object becomes the query string; otherwise the body (objects are sent as JSON). */
  body?: RequestBody | QueryParams;
  headers?: HeaderOverrides | null;
  parse?: ResponseParser<T>;
  /** `false` for requests that must not carry the token: credentials, token lookups by path. Default true. */
  authenticated?: boolean;
  /** The last path segment is a token: a 404 "No such token" renews it and retries with the new one. */
  tokenInPath?: boolean;
}

export const DEFAULT_REQUEST_TIMEOUT = 300_000;

export class ApiRequester {
  server: string;
  clientId: string | null;
  agent: unknown;
  token: string | null;
  tenant: string | null;
  fetchOptions: FetchOptions;
  requestTimeout: number;
  refreshTokenCallback: RefreshTokenCallback | null;
  private fetchImpl: FetchLike | null;
  private refreshing: Promise<string | null> | null = null;

  constructor(options: ApiRequesterOptions) {
    this.server = options.server;
    this.clientId = options.clientId ?? null;
    this.agent = options.agent ?? null;
    this.token = null;
    this.tenant = options.tenant ?? null;
    this.fetchOptions = options.fetchOptions ?? {};
    this.requestTimeout = options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT;
    this.refreshTokenCallback = options.refreshTokenCallback ?? null;
    this.fetchImpl = options.fetch ?? null;
    this.setToken(options.token ?? null);
  }

  get baseUrl(): string {
    return apiBaseUrl(this.server);
  }

  setToken(token: string | null): void {
    this.token = token || null;
    reportSecret(this.token);
  }

  setTenant(tenant: string | null): void {
    this.tenant = tenant || null;
  }

  setFetchOptions(options: FetchOptions | null | undefined): void {
    this.fetchOptions = options ?? {};
  }

  setRequestTimeout(ms: number): void {
    this.requestTimeout = ms;
  }

  /** Replaces the fetch implementation (null: the platform's). */
  setFetch(fetchImpl: FetchLike | null): void {
    this.fetchImpl = fetchImpl;
  }

  head(path: string, body?: QueryParams | null, headers?: HeaderOverrides | null): Promise<boolean> {
    return this.call<boolean>({ path, method: 'head', body, headers, parse: (r) => r.ok });
  }

  get<T = unknown>(path: string, body?: QueryParams | null, headers?: HeaderOverrides | null, parse?: ResponseParser<T>): Promise<T> {
    return this.call<T>({ path, method: 'get', body, headers, parse });
  }

  post<T = unknown>(path: string, body?: RequestBody, headers?: HeaderOverrides | null, parse?: ResponseParser<T>): Promise<T> {
    return this.call<T>({ path, method: 'post', body, headers, parse });
  }

  put<T = unknown>(path: string, body?: RequestBody, headers?: HeaderOverrides | null, parse?: ResponseParser<T>): Promise<T> {
    return this.call<T>({ path, method: 'put', body, headers, parse });
  }

  delete<T = unknown>(path: string, body?: RequestBody, headers?: HeaderOverrides | null, parse?: ResponseParser<T>): Promise<T> {
    return this.call<T>({ path, method: 'delete', body, headers, parse });
  }

  options<T = unknown>(path: string, body?: RequestBody, headers?: HeaderOverrides | null, parse?: ResponseParser<T>): Promise<T> {
    return this.call<T>({ path, method: 'options', body, headers, parse });
  }

  /**
   * `call(path, method = 'get', body, headers, parse)` as in SDK 0.44 (and the seed), or
   * `call({ path, method, body, headers, parse })` as in SDK ≥ 0.45.1.
   */
  call<T = unknown>(options: CallOptions<T>): Promise<T>;
  call<T = unknown>(
    path: string,
    method?: HttpMethod | Uppercase<HttpMethod>,
    body?: RequestBody | QueryParams,
    headers?: HeaderOverrides | null,
    parse?: ResponseParser<T>,
  ): Promise<T>;
  call<T = unknown>(
    pathOrOptions: string | CallOptions<T>,
    method?: HttpMethod | Uppercase<HttpMethod>,
    body?: RequestBody | QueryParams,
    headers?: HeaderOverrides | null,
    parse?: ResponseParser<T>,
  ): Promise<T> {
    const options = typeof pathOrOptions === 'string' ? { path: pathOrOptions, method, body, headers, parse } : pathOrOptions;
    return this.execute(options, true);
  }

  /** Renews the token now (sharing an in-flight renewal). Resolves to the new token or null. */
  forceRefresh(): Promise<string | null> {
    if (!this.refreshing) {
      this.refreshing = this.runRefresh().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  computeUrl(method: string, path: string, body?: unknown): string {
    let query = isQueryMethod(method) && isObject(body) ? toQueryString(body as QueryParams) : '';
    if (query && path.includes('?')) query = `&${query.slice(1)}`;
    return `${this.baseUrl}/${path.replace(/^\/+/, '')}${query}`;
  }

  getHeaders(overrides?: HeaderOverrides | null, authenticated = true, jsonBody = false): Record<string, string> {
    const headers: Record<string, string> = {};
    if (authenticated && this.token) headers['X-Auth-Token'] = this.token;
    if (authenticated && this.tenant) headers['Wazo-Tenant'] = this.tenant;
    headers.Accept = 'application/json';
    if (jsonBody) headers['Content-Type'] = 'application/json';
    mergeHeaders(headers, this.fetchOptions.headers);
    mergeHeaders(headers, overrides);
    return headers;
  }

  private async execute<T>(options: CallOptions<T>, firstCall: boolean): Promise<T> {
    const authenticated = options.authenticated !== false;
    // A request started while the token is being renewed would only be rejected: wait for the outcome.
    if (authenticated && this.refreshing) await this.refreshing.catch(() => null);

    const method = (options.method ?? 'get').toUpperCase();
    const url = this.computeUrl(method, options.path, options.body);
    const jsonBody = !isQueryMethod(method) && isJsonBody(options.body);
    const tokenUsed = this.token;
    const init: FetchInit = {
      ...this.fetchOptions,
      method,
      headers: this.getHeaders(options.headers, authenticated, jsonBody),
      body: isQueryMethod(method) ? undefined : encodeBody(options.body, jsonBody),
    };
    if (this.agent) init.agent = this.agent;

    const started = Date.now();
    const where = { url: maskUrl(url), method };
    let exchange;
    try {
      exchange = await send(this.fetcher(), url, init, this.requestTimeout);
    } catch (error) {
      reportRequest({ ...where, status: null, durationMs: Date.now() - started, error: (error as Error).name });
      throw error;
    }
    const { response, isJson } = exchange;
    reportRequest({ ...where, status: response.status, durationMs: Date.now() - started });

    if (response.status >= 400) {
      const error = BadResponse.fromBody(response.status, await readBody(response, isJson), where);
      if (firstCall && this.isTokenRejection(options, authenticated, error)) {
        const token = await this.renewAfter(error, tokenUsed);
        const path = options.tokenInPath ? replaceLastSegment(options.path, token) : options.path;
        return this.execute({ ...options, path }, false);
      }
      throw error;
    }
    const parse = (options.parse ?? defaultParser) as ResponseParser<T>;
    return parse(response, isJson);
  }

  private isTokenRejection(options: CallOptions<unknown>, authenticated: boolean, error: BadResponse): boolean {
    if (authenticated && error.status === 401) return true;
    return !!options.tokenInPath && error.status === 404 && error.reason[0] === 'No such token';
  }

  private async renewAfter(original: BadResponse, tokenUsed: string | null): Promise<string> {
    // Another request already renewed the token after this one was sent: just use the new token.
    if (this.token && this.token !== tokenUsed && !this.refreshing) return this.token;
    let token: string | null;
    try {
      token = await this.forceRefresh();
    } catch (refreshError) {
      throw new RefreshTokenError(original, 'refresh_failed', refreshError);
    }
    if (!token) throw new RefreshTokenError(original, 'no_refresh_token');
    return token;
  }

  private async runRefresh(): Promise<string | null> {
    if (!this.refreshTokenCallback) return null;
    const token = await this.refreshTokenCallback();
    if (typeof token !== 'string' || token === '') return null;
    this.setToken(token);
    return token;
  }

  private fetcher(): FetchLike {
    if (this.fetchImpl) return this.fetchImpl;
    if (typeof globalThis.fetch !== 'function') throw new Error('No fetch implementation: pass one in the `fetch` option');
    return (url, init) => globalThis.fetch(url, init);
  }
}

function isQueryMethod(method: string): boolean {
  const m = method.toUpperCase();
  return m === 'GET' || m === 'HEAD';
}

function isJsonBody(body: unknown): boolean {
  if (Array.isArray(body)) return true;
  if (!isObject(body)) return false;
  const proto: unknown = Object.getPrototypeOf(body);
  return proto === Object.prototype || proto === null;
}

function encodeBody(body: CallOptions['body'], json: boolean): BodyInit | undefined {
  if (body === null || body === undefined) return undefined;
  if (json) return JSON.stringify(body);
  return body as BodyInit;
}

// Header names are case-insensitive: an override replaces a default whatever its spelling, and a
// null/false value removes it.
function mergeHeaders(target: Record<string, string>, extra: HeaderOverrides | Record<string, string> | null | undefined): void {
  if (!extra) return;
  for (const [name, value] of Object.entries(extra)) {
    for (const existing of Object.keys(target)) {
      if (existing.toLowerCase() === name.toLowerCase()) delete target[existing];
    }
    if (value !== null && value !== undefined && value !== false) target[name] = String(value);
  }
}

function replaceLastSegment(path: string, token: string): string {
  return path.replace(/[^/]+$/, encodeURIComponent(token));
}
