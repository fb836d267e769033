import { normaliseIdentity, normaliseTarget, parseSipUri } from './uri';

describe('identity normalisation (document order and 2014 code order)', () => {
  test('privateIdentity is the SIP address (the document)', () => {
    expect(normaliseIdentity('sip:user_31@d218ds.sip.2600hz.com', 'user_31', 'd218ds.sip.2600hz.com'))
      .toEqual({ aor: 'sip:user_31@d218ds.sip.2600hz.com', authUser: 'user_31', user: 'user_31' });
  });
  test('publicIdentity is the SIP address (the 2014 code and demo page)', () => {
    expect(normaliseIdentity('user_s6', 'sip:user_s6@webdev.realm', 'webdev.realm'))
      .toEqual({ aor: 'sip:user_s6@webdev.realm', authUser: 'user_s6', user: 'user_s6' });
  });
  test('neither is a URI: sip:<privateIdentity>@<realm>', () => {
    expect(normaliseIdentity('1001', '1001', 'lab.test')).toEqual({ aor: 'sip:1001@lab.test', authUser: '1001', user: '1001' });
  });
  test('a URI without scheme (user@host) counts as the address', () => {
    expect(normaliseIdentity('1001@lab.test', 'auth1001', '')).toEqual({ aor: 'sip:1001@lab.test', authUser: 'auth1001', user: '1001' });
  });
  test('nothing usable', () => {
    expect(normaliseIdentity('', '', 'lab.test')).toBeNull();
    expect(normaliseIdentity('1001', '', '')).toBeNull();
    expect(normaliseIdentity('bad user', '', 'lab.test')).toBeNull();
  });
});

describe('call targets', () => {
  test('SIP URIs as written, dial strings completed with the realm', () => {
    expect(normaliseTarget('sip:2222@dd21d.sip.2600hz.com', 'x')).toBe('sip:2222@dd21d.sip.2600hz.com');
    expect(normaliseTarget('sips:bob@example.com:5061;transport=tls', 'x')).toBe('sips:bob@example.com:5061;transport=tls');
    expect(normaliseTarget('2222', 'lab.test')).toBe('sip:2222@lab.test');
    expect(normaliseTarget('*97', 'lab.test')).toBe('sip:*97@lab.test');
  });
  test('refused: not SIP, CR/LF injection, empty user', () => {
    for (const bad of ['hello world', 'http://x', 'sip:', 'sip:@host', 'sip:a@b\r\nX: y', 'sip:a@b\nX', 'sip:a b@c']) {
      expect(normaliseTarget(bad, 'lab.test')).toBeNull();
    }
    expect(parseSipUri('sip:a@b\r\n')).toBeNull();
  });
});
