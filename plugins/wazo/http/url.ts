// URL building. Path parameters are percent-encoded (ids from directories can hold `/`, `#`, spaces)
// and query values keep `0`, `false` and `''`: only `null`/`undefined` mean "not sent".

import type { QueryParams, QueryValue } from './types';

/** Tagged template for API paths: every interpolated value is one encoded path segment. */
export function route(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  let out = strings[0];
  values.forEach((value, i) => {
    out += encodeURIComponent(String(value)) + strings[i + 1];
  });
  return out;
}

function formatQueryValue(value: Exclude<QueryValue, null | undefined>): string {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(String).join(',');
  return String(value);
}

/** `?a=1&b=0` from an object, in insertion order; '' when nothing is left to send. */
export function toQueryString(params: QueryParams | null | undefined): string {
  if (!params) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined) continue;
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(formatQueryValue(value))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

/** `https://server/api` — the SDK hard-codes https; an explicit `http://`/`https://` prefix is kept. */
export function apiBaseUrl(server: string): string {
  const trimmed = server.replace(/\/+$/, '');
  return /^https?:\/\//i.test(trimmed) ? `${trimmed}/api` : `https://${trimmed}/api`;
}
