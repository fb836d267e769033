// Header-name and header-value helpers that JsSIP's parser does not offer for a proxy: compact forms,
// splitting comma-separated lists (a proxy must treat "Via: a, b" like two Via lines, RFC 3261 7.3.1),
// and reading/writing ;params on a raw value without re-serialising it (so nothing else changes).

/** RFC 3261 7.3.3 compact forms, plus the RFC 3265/3515/4028 ones JsSIP also knows. */
const COMPACT: Readonly<Record<string, string>> = {
  v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length', c: 'content-type',
  e: 'content-encoding', k: 'supported', s: 'subject', o: 'event', r: 'refer-to', b: 'referred-by',
  x: 'session-expires', u: 'allow-events',
};

/** Canonical spelling used when this server writes a header it knows. */
const CANONICAL: Readonly<Record<string, string>> = {
  via: 'Via', from: 'From', to: 'To', 'call-id': 'Call-ID', cseq: 'CSeq', contact: 'Contact',
  'content-length': 'Content-Length', 'content-type': 'Content-Type', 'content-encoding': 'Content-Encoding',
  supported: 'Supported', subject: 'Subject', event: 'Event', 'refer-to': 'Refer-To', 'referred-by': 'Referred-By',
  'session-expires': 'Session-Expires', 'allow-events': 'Allow-Events', route: 'Route', 'record-route': 'Record-Route',
  'max-forwards': 'Max-Forwards', 'www-authenticate': 'WWW-Authenticate', 'proxy-authenticate': 'Proxy-Authenticate',
  authorization: 'Authorization', 'proxy-authorization': 'Proxy-Authorization', expires: 'Expires',
  'min-expires': 'Min-Expires', 'subscription-state': 'Subscription-State', server: 'Server', 'user-agent': 'User-Agent',
  'retry-after': 'Retry-After', allow: 'Allow', accept: 'Accept',
};

/** Headers whose comma-separated values are separate entries (RFC 3261 7.3.1). Contact is handled apart (`*`). */
export const LIST_HEADERS: ReadonlySet<string> = new Set(['via', 'route', 'record-route', 'contact']);

/** Lower-case full header name for any spelling or compact form. */
export function headerKey(name: string): string {
  const lower = name.trim().toLowerCase();
  return COMPACT[lower] ?? lower;
}

/** The name this server writes for `key`; unknown headers keep the spelling they arrived with. */
export function canonicalName(key: string, fallback: string): string {
  return CANONICAL[key] ?? fallback;
}

/**
 * Split a header value on top-level commas: commas inside "quoted strings" or <angle brackets> do not
 * split (display names and URIs may contain them). Returns trimmed, non-empty parts.
 */
export function splitList(value: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (inQuote) {
      if (ch === '\\') i++;
      else if (ch === '"') inQuote = false;
    } else if (ch === '"') inQuote = true;
    else if (ch === '<') inAngle = true;
    else if (ch === '>') inAngle = false;
    else if (ch === ',' && !inAngle) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** Position of the first ';' that starts header params (after the <uri> or the bare value), or -1. */
function paramsStart(value: string): number {
  const close = value.lastIndexOf('>');
  const from = close >= 0 ? close : 0;
  return value.indexOf(';', from);
}

/** Set (or replace) `;name=value` in a header's params (outside any <uri>). `value` null = flag param. */
export function setHeaderParam(value: string, name: string, paramValue: string | null): string {
  const without = removeHeaderParam(value, name);
  return `${without};${name}${paramValue === null ? '' : `=${paramValue}`}`;
}

/** Remove `;name[=value]` from a header's params (outside any <uri>). */
export function removeHeaderParam(value: string, name: string): string {
  const start = paramsStart(value);
  if (start < 0) return value;
  const head = value.slice(0, start);
  const params = value
    .slice(start + 1)
    .split(';')
    .filter((p) => p.trim().length > 0 && p.split('=')[0].trim().toLowerCase() !== name.toLowerCase());
  return params.length ? `${head};${params.join(';')}` : head;
}
