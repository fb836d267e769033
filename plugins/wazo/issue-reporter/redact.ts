// Scrubbing of everything that leaves the process in a log record. Three nets, because one is never
// enough: values known to be secret (the current tokens), keys whose name says "secret", and patterns
// that look like credentials wherever they appear (Basic/Bearer headers, JWTs, `token=` pairs, `/token/<x>`).

import { isObject, type JsonObject } from '../util/json';

export const REDACTED = '[redacted]';

const SECRET_KEY = /pass(word|wd)?$|passw|secret|token|authori[sz]ation|cookie|credential|api[-_]?key|private[-_]?key/i;

const PATTERNS: Array<[RegExp, string]> = [
  [/\b(Basic|Bearer|Digest)\s+[A-Za-z0-9+/=._~-]+/gi, `$1 ${REDACTED}`],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, REDACTED],
  [/((?:password|passwd|secret|token|refresh_token|access_token|authorization|x-auth-token)["']?\s*[:=]\s*["']?)([^"'&\s,;}]+)/gi, `$1${REDACTED}`],
  [/(\/token\/)[^/?#\s"']+/gi, `$1${REDACTED}`],
];

export function redactString(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 6) out = out.split(secret).join(REDACTED);
  }
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** A deep, redacted copy (depth-bounded, cycle-safe) suitable for JSON. */
export function redact(value: unknown, secrets: Iterable<string>, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactString(value, secrets);
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
  if (seen.has(value) || depth > 8) return '[…]';
  seen.add(value);
  if (value instanceof Error) {
    return {
      errorMessage: redactString(value.message, secrets),
      errorStack: redactString(value.stack ?? '', secrets),
      errorType: value.name,
    };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, secrets, depth + 1, seen));
  if (typeof Headers !== 'undefined' && value instanceof Headers) return REDACTED;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = isSecretKey(key) && v !== null && v !== undefined && typeof v !== 'boolean' ? REDACTED : redact(v, secrets, depth + 1, seen);
  }
  return out;
}

export function redactObject(value: JsonObject, secrets: Iterable<string>): JsonObject {
  const out = redact(value, secrets);
  return isObject(out) ? out : {};
}
