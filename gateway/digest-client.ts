/**
 * The client half of RFC 2617 digest: read a WWW-/Proxy-Authenticate challenge and answer it. The dev
 * server's `parseDigestCredentials` parses the *answer* (it requires `username`), so challenges get their
 * own small parser; the response hash itself is the server's `digestResponse`.
 */
import { digestResponse, md5 } from '../protocol/sip/digest';
import { token } from '../protocol/sip/builder';
import type { SipRequest, SipResponse } from '../protocol/sip/message';
import { retryWith } from './sip-ua';

export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  readonly opaque?: string;
  readonly qop?: string;
  readonly algorithm?: string;
  readonly stale: boolean;
}

export interface DigestSecret {
  readonly username: string;
  readonly password: string;
}

const PARAM = /([A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;

export function parseChallenge(value: string): DigestChallenge | undefined {
  const m = /^\s*digest\s+/i.exec(value);
  if (!m || value.length > 4096) return undefined;
  const params = new Map<string, string>();
  for (const p of value.slice(m[0].length).matchAll(PARAM)) {
    params.set(p[1].toLowerCase(), p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]);
  }
  const realm = params.get('realm');
  const nonce = params.get('nonce');
  if (realm === undefined || !nonce) return undefined;
  const algorithm = params.get('algorithm');
  if (algorithm && algorithm.toUpperCase() !== 'MD5') return undefined; // MD5-sess/SHA-256 not spoken here
  const qops = (params.get('qop') ?? '').split(',').map((q) => q.trim().toLowerCase());
  return {
    realm,
    nonce,
    opaque: params.get('opaque'),
    qop: qops.includes('auth') ? 'auth' : undefined,
    algorithm,
    stale: (params.get('stale') ?? '').toLowerCase() === 'true',
  };
}

/** The Authorization / Proxy-Authorization value for `method uri`. */
export function answerChallenge(challenge: DigestChallenge, secret: DigestSecret, method: string, uri: string, nc = 1): string {
  const ha1 = md5(`${secret.username}:${challenge.realm}:${secret.password}`);
  const cnonce = challenge.qop ? token(8) : undefined;
  const ncHex = challenge.qop ? nc.toString(16).padStart(8, '0') : undefined;
  const response = digestResponse(ha1, { nonce: challenge.nonce, uri, qop: challenge.qop, nc: ncHex, cnonce }, method);
  const parts = [
    `username="${quote(secret.username)}"`,
    `realm="${quote(challenge.realm)}"`,
    `nonce="${quote(challenge.nonce)}"`,
    `uri="${quote(uri)}"`,
    `response="${response}"`,
    'algorithm=MD5',
  ];
  if (challenge.qop) parts.push(`qop=${challenge.qop}`, `nc=${ncHex}`, `cnonce="${cnonce}"`);
  if (challenge.opaque !== undefined) parts.push(`opaque="${quote(challenge.opaque)}"`);
  return `Digest ${parts.join(', ')}`;
}

/**
 * `request` again (new branch, CSeq + 1) with the Authorization (401) or Proxy-Authorization (407) that
 * answers `response`'s challenge; null when it carries none we can answer.
 */
export function authorizedRetry(request: SipRequest, response: SipResponse, secret: DigestSecret): SipRequest | null {
  const challenge = parseChallenge(response.get(response.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate') ?? '');
  if (!challenge) return null;
  return retryWith(request, response.status === 401 ? 'Authorization' : 'Proxy-Authorization', answerChallenge(challenge, secret, request.method, request.uri));
}

function quote(text: string): string {
  return text.replace(/["\\]/g, '\\$&');
}
