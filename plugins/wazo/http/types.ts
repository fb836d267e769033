// Types shared by the HTTP layer. `FetchLike` is the subset of WHATWG fetch the client needs, so an app
// (or a test) can hand in its own implementation, e.g. one that trusts a private CA in Node.

export type HttpMethod = 'get' | 'post' | 'put' | 'delete' | 'head' | 'options' | 'patch';

/** The fetch init the requester builds; `agent` is forwarded for fetch implementations that honour it
 * (node-fetch and compatible). The platform fetch ignores it. */
export type FetchInit = RequestInit & { agent?: unknown };

export type FetchLike = (url: string, init: FetchInit) => Promise<Response>;

/** Header values; `null`/`undefined`/`false` removes a default header (e.g. `{'Wazo-Tenant': null}`). */
export type HeaderOverrides = Record<string, string | null | undefined | false>;

/** A response parser: receives the already-buffered response (its body can be read once). */
export type ResponseParser<T = unknown> = (response: Response, isJson: boolean) => T | Promise<T>;

/** What the caller may put in a request body: JSON values are serialised, binary/text goes raw. */
export type RequestBody =
  | Record<string, unknown>
  | unknown[]
  | string
  | ArrayBuffer
  | ArrayBufferView
  | Blob
  | FormData
  | URLSearchParams
  | null
  | undefined;

/** Values accepted in a query string. Arrays are comma-joined, as Wazo services expect. */
export type QueryValue = string | number | boolean | Date | null | undefined | ReadonlyArray<string | number>;
export type QueryParams = Record<string, QueryValue>;
