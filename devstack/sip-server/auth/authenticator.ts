// Who may do what: REGISTER is authenticated against the To user (401 / WWW-Authenticate), every
// other out-of-dialog request against the From user (407 / Proxy-Authenticate), as the lab's
// Kamailio does. A wrong password is 403 "Wrong password" by default (what the legacy library and the
// lab expect); `authFailure: 401` re-challenges instead, like LAB_AUTH_FAIL_401.

import type { SipRequest } from '../../../protocol/sip/message';
import type { UserDirectory } from '../users';
import { challenge, digestResponse, NonceService, parseDigestCredentials, safeEqualHex } from '../../../protocol/sip/digest';

export type AuthOutcome =
  | { ok: true; user: string }
  | { ok: false; status: 401 | 407; headerName: string; headerValue: string; reason?: string }
  | { ok: false; status: 403; reason: string };

export interface AuthenticatorOptions {
  realm: string;
  nonceTtlMs: number;
  authFailure: 401 | 403;
}

export class Authenticator {
  private readonly nonces: NonceService;

  constructor(
    private readonly users: UserDirectory,
    private readonly opts: AuthenticatorOptions,
    now?: () => number,
  ) {
    this.nonces = new NonceService(opts.nonceTtlMs, now);
  }

  /**
   * Check `req`. `identity` is the user the request claims to be (To user for REGISTER, From user
   * otherwise); the credentials must belong to that user.
   */
  check(req: SipRequest, identity: string): AuthOutcome {
    const isRegister = req.method === 'REGISTER';
    const status = isRegister ? 401 : 407;
    const credHeader = isRegister ? 'Authorization' : 'Proxy-Authorization';
    const challengeHeader = isRegister ? 'WWW-Authenticate' : 'Proxy-Authenticate';
    const ask = (stale: boolean, reason?: string): AuthOutcome => ({
      ok: false, status, headerName: challengeHeader, headerValue: challenge(this.opts.realm, this.nonces.issue(), stale), reason,
    });

    // Several credentials may be present (one per realm on the path); ours is the one with our realm.
    const creds = req
      .getAll(credHeader)
      .map(parseDigestCredentials)
      .find((c) => c !== undefined && c.realm === this.opts.realm);
    if (!creds) return ask(false);
    if (creds.algorithm && creds.algorithm.toUpperCase() !== 'MD5') return ask(false);
    if (creds.qop && creds.qop !== 'auth') return ask(false);

    const nonceState = this.nonces.check(creds.nonce);
    if (nonceState === 'invalid') return ask(false);

    const ha1 = this.users.ha1(creds.username);
    if (!ha1) return { ok: false, status: 403, reason: 'Unknown user' };
    if (!safeEqualHex(digestResponse(ha1, creds, req.method), creds.response)) {
      return this.opts.authFailure === 401 ? ask(false) : { ok: false, status: 403, reason: 'Wrong password' };
    }
    // Right password on an expired nonce: ask again with stale=true, the client retries silently.
    if (nonceState === 'stale') return ask(true);
    if (creds.username !== identity) {
      return { ok: false, status: 403, reason: `${isRegister ? 'To' : 'From'} user does not match credentials` };
    }
    return { ok: true, user: creds.username };
  }
}
