// Digest authentication: the RFC 2617 test vector, credential parsing, stateless nonces and the
// registrar/proxy policy (challenge, stale, 403 variants).

import { Authenticator } from './authenticator';
import { challenge, digestResponse, md5, NonceService, parseDigestCredentials } from '../../../protocol/sip/digest';
import { createLogger } from '../logger';
import { UserDirectory } from '../users';
import { makeHeader, SipRequest } from '../../../protocol/sip/message';

test('RFC 2617 3.5 example (Mufasa)', () => {
  const ha1 = md5('Mufasa:testrealm@host.com:Circle Of Life');
  const r = digestResponse(ha1, { nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', uri: '/dir/index.html', qop: 'auth', nc: '00000001', cnonce: '0a4f113b' }, 'GET');
  expect(r).toBe('6629fae49393a05397450978507c4ef1');
});

test('parses quoted and token parameters in any order', () => {
  const c = parseDigestCredentials('Digest username="1001",realm="kazoo.test", nonce="n.1", uri="sip:kazoo.test", response="abc", algorithm=MD5, qop=auth, nc=00000001, cnonce="c\\"q"');
  expect(c).toMatchObject({ username: '1001', realm: 'kazoo.test', nonce: 'n.1', uri: 'sip:kazoo.test', response: 'abc', qop: 'auth', nc: '00000001', cnonce: 'c"q', algorithm: 'MD5' });
  expect(parseDigestCredentials('Basic abc')).toBeUndefined();
  expect(parseDigestCredentials('Digest username="x"')).toBeUndefined();
});

test('nonces: valid, stale after the lifetime, invalid when forged', () => {
  let now = 1_000_000;
  const ns = new NonceService(300_000, () => now);
  const nonce = ns.issue();
  expect(ns.check(nonce)).toBe('valid');
  now += 300_001;
  expect(ns.check(nonce)).toBe('stale');
  expect(ns.check(`${nonce.split('.')[0]}.forged`)).toBe('invalid');
  expect(ns.check('garbage')).toBe('invalid');
  expect(challenge('r', 'n', true)).toBe('Digest realm="r", nonce="n", qop="auth", algorithm=MD5, stale=true');
});

describe('Authenticator', () => {
  const users = new UserDirectory('kazoo.test', createLogger('silent'));
  users.add({ user: '1001', password: 'secret1001' });
  users.add({ user: '1002', ha1: md5('1002:kazoo.test:pw2') });
  let now = 5_000_000;
  const auth = new Authenticator(users, { realm: 'kazoo.test', nonceTtlMs: 60_000, authFailure: 403 }, () => now);
  const core = { callId: 'c', cseq: 1, cseqMethod: 'REGISTER', fromTag: 'a', toTag: undefined, fromUser: '1001', toUser: '1001', toHost: 'kazoo.test' };
  const request = (method: string, header?: string): SipRequest =>
    new SipRequest(method, 'sip:kazoo.test', header ? [makeHeader(method === 'REGISTER' ? 'Authorization' : 'Proxy-Authorization', header)] : [], Buffer.alloc(0), { ...core, cseqMethod: method });
  const creds = (user: string, password: string, method: string, nonce: string): string => {
    const response = digestResponse(md5(`${user}:kazoo.test:${password}`), { nonce, uri: 'sip:kazoo.test', qop: 'auth', nc: '00000001', cnonce: 'cn' }, method);
    return `Digest username="${user}", realm="kazoo.test", nonce="${nonce}", uri="sip:kazoo.test", response="${response}", qop=auth, nc=00000001, cnonce="cn"`;
  };
  const nonceOf = (method: string): string => {
    const out = auth.check(request(method), '1001');
    if (out.ok || out.status === 403) throw new Error('expected a challenge');
    return /nonce="([^"]+)"/.exec(out.headerValue)![1];
  };

  test('REGISTER: 401 challenge, then ok', () => {
    const first = auth.check(request('REGISTER'), '1001');
    expect(first).toMatchObject({ ok: false, status: 401, headerName: 'WWW-Authenticate' });
    expect(auth.check(request('REGISTER', creds('1001', 'secret1001', 'REGISTER', nonceOf('REGISTER'))), '1001')).toEqual({ ok: true, user: '1001' });
  });

  test('INVITE: 407 / Proxy-Authenticate; HA1-only users work', () => {
    expect(auth.check(request('INVITE'), '1002')).toMatchObject({ status: 407, headerName: 'Proxy-Authenticate' });
    expect(auth.check(request('INVITE', creds('1002', 'pw2', 'INVITE', nonceOf('INVITE'))), '1002')).toEqual({ ok: true, user: '1002' });
  });

  test('wrong password 403, unknown user 403, identity mismatch 403, stale nonce re-challenged', () => {
    const n = nonceOf('REGISTER');
    expect(auth.check(request('REGISTER', creds('1001', 'bad', 'REGISTER', n)), '1001')).toEqual({ ok: false, status: 403, reason: 'Wrong password' });
    expect(auth.check(request('REGISTER', creds('9999', 'x', 'REGISTER', n)), '9999')).toEqual({ ok: false, status: 403, reason: 'Unknown user' });
    expect(auth.check(request('REGISTER', creds('1001', 'secret1001', 'REGISTER', n)), '1002')).toMatchObject({ status: 403 });
    now += 60_001;
    const stale = auth.check(request('REGISTER', creds('1001', 'secret1001', 'REGISTER', n)), '1001');
    expect(stale).toMatchObject({ status: 401 });
    expect(!stale.ok && 'headerValue' in stale && stale.headerValue).toMatch(/stale=true/);
  });

  test('authFailure 401 re-challenges a wrong password', () => {
    const a401 = new Authenticator(users, { realm: 'kazoo.test', nonceTtlMs: 60_000, authFailure: 401 });
    const out = a401.check(request('REGISTER'), '1001');
    const nonce = !out.ok && 'headerValue' in out ? /nonce="([^"]+)"/.exec(out.headerValue)![1] : '';
    expect(a401.check(request('REGISTER', creds('1001', 'bad', 'REGISTER', nonce)), '1001')).toMatchObject({ status: 401 });
  });
});
