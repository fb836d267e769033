// RFC 2617 / RFC 3261 22 digest authentication, MD5 with qop=auth (what JsSIP, sipp and desk phones
// speak). Nonces are stateless: timestamp + HMAC with a per-process secret, so challenges cost no
// memory and a nonce older than its lifetime is answered with stale=true (the client retries without
// asking the user again).

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** the digest's hash, as lowercase hex (HA1, HA2 and the response are all MD5) */
export function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm: string | undefined;
  qop: string | undefined;
  nc: string | undefined;
  cnonce: string | undefined;
  opaque: string | undefined;
}

/** Parse `Digest username="…", realm="…", …` (quoted or token values, any order). */
export function parseDigestCredentials(value: string): DigestCredentials | undefined {
  const m = /^\s*digest\s+/i.exec(value);
  if (!m) return undefined;
  const params = new Map<string, string>();
  const re = /([A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))\s*(?:,|$)/gy;
  re.lastIndex = m[0].length;
  let p: RegExpExecArray | null;
  while (re.lastIndex < value.length && (p = re.exec(value)) !== null) {
    params.set(p[1].toLowerCase(), p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]);
    while (value[re.lastIndex] === ' ' || value[re.lastIndex] === '\t') re.lastIndex++;
  }
  const get = (k: string): string | undefined => params.get(k);
  const username = get('username');
  const realm = get('realm');
  const nonce = get('nonce');
  const uri = get('uri');
  const response = get('response');
  if (username === undefined || realm === undefined || !nonce || !uri || !response) return undefined;
  return {
    username, realm, nonce, uri, response,
    algorithm: get('algorithm'), qop: get('qop'), nc: get('nc'), cnonce: get('cnonce'), opaque: get('opaque'),
  };
}

export type NonceState = 'valid' | 'stale' | 'invalid';

export class NonceService {
  private readonly secret = randomBytes(32);

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  issue(): string {
    const ts = Math.floor(this.now()).toString(16);
    return `${ts}.${this.mac(ts)}`;
  }

  check(nonce: string): NonceState {
    const dot = nonce.indexOf('.');
    if (dot <= 0) return 'invalid';
    const ts = nonce.slice(0, dot);
    const mac = Buffer.from(nonce.slice(dot + 1));
    const expected = Buffer.from(this.mac(ts));
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return 'invalid';
    const issued = parseInt(ts, 16);
    return this.now() - issued > this.ttlMs ? 'stale' : 'valid';
  }

  private mac(ts: string): string {
    return createHmac('sha256', this.secret).update(ts).digest('base64url').slice(0, 22);
  }
}

export function challenge(realm: string, nonce: string, stale: boolean): string {
  return `Digest realm="${realm}", nonce="${nonce}", qop="auth", algorithm=MD5${stale ? ', stale=true' : ''}`;
}

/** The `response=` a client with this HA1 must send (RFC 2617 3.2.2.1). */
export function digestResponse(
  ha1: string,
  c: Pick<DigestCredentials, 'nonce' | 'uri' | 'qop' | 'nc' | 'cnonce'>,
  method: string,
): string {
  const ha2 = md5(`${method}:${c.uri}`);
  if (c.qop) return md5(`${ha1}:${c.nonce}:${c.nc ?? ''}:${c.cnonce ?? ''}:${c.qop}:${ha2}`);
  return md5(`${ha1}:${c.nonce}:${ha2}`);
}

export function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase());
  const y = Buffer.from(b.toLowerCase());
  return x.length === y.length && timingSafeEqual(x, y);
}
