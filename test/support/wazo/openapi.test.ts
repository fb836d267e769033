// The request validator itself: if it accepted anything, the "no violations" checks elsewhere would
// prove nothing. Each case is a request a buggy client could send.
import { SPEC_ROOT, findOperation, loadSpec, sample, validateRequest, type IncomingRequest } from './openapi';
import fs from 'node:fs';

function check(service: string, method: string, url: string, headers: Record<string, string> = {}, body = ''): string[] {
  const spec = loadSpec(service);
  const [path, query = ''] = url.split('?');
  const operation = findOperation(spec, method, path);
  if ('error' in operation) return [operation.error];
  const req: IncomingRequest = { method, path, query: new URLSearchParams(query), headers, body: Buffer.from(body) };
  return validateRequest(operation, spec, req);
}

const token = { 'x-auth-token': 't' };
const json = { ...token, 'content-type': 'application/json' };

describe('OpenAPI request validator', () => {
  it('reads the specs from the repository fixtures, so a fresh clone needs nothing beside it', () => {
    expect(fs.existsSync(`${SPEC_ROOT}/README.md`)).toBe(true);
    expect(SPEC_ROOT).toBe(`${process.cwd()}/fixtures/wazo-openapi`);
  });

  it('accepts a conforming request', () => {
    expect(check('calld', 'POST', '/users/me/calls', json, '{"extension":"1234","line_id":3}')).toEqual([]);
  });

  it.each([
    ['an unknown path', 'calld', 'GET', '/users/me/nothing', token, '', /no path of calld/],
    ['a wrong method', 'calld', 'PATCH', '/users/me/calls', token, '', /not allowed/],
    ['a missing token', 'calld', 'GET', '/users/me/calls', {}, '', /security/],
    ['an undeclared query parameter', 'call-logd', 'GET', '/users/me/cdr?bogus=1', token, '', /undeclared query parameter bogus/],
    ['a non-integer query value', 'call-logd', 'GET', '/users/me/cdr?limit=ten', token, '', /not an integer/],
    ['a value outside an enum', 'call-logd', 'GET', '/users/me/cdr?direction=up', token, '', /not in/],
    ['a missing required query', 'calld', 'PUT', '/users/me/calls/c1/dtmf', token, '', /missing required query digits/],
    ['a body where none is defined', 'calld', 'PUT', '/users/me/calls/c1/answer', json, '{}', /defines none/],
    ['a missing required body', 'calld', 'POST', '/users/me/calls', json, '', /missing required body/],
    ['a body missing a required property', 'calld', 'POST', '/users/me/calls', json, '{"line_id":3}', /required property 'extension'/],
    ['a body property of the wrong type', 'calld', 'POST', '/users/me/calls', json, '{"extension":"1","line_id":"three"}', /must be integer/],
    ['a JSON body without its content type', 'calld', 'POST', '/users/me/calls', token, '{"extension":"1"}', /JSON body sent as/],
    ['a non-integer path parameter', 'agentd', 'GET', '/agents/by-id/abc', token, '', /not an integer/],
    ['a token request without credentials', 'auth', 'POST', '/token', { 'content-type': 'application/json' }, '{"expiration":60}', /security/],
    ['a presence state outside the enum', 'chatd', 'PUT', '/users/u1/presences', json, '{"state":"busy"}', /allowed values/],
  ])('rejects %s', (_label, service, method, url, headers, body, problem) => {
    const problems = check(service, method, url, headers as Record<string, string>, body);
    expect(problems.join('\n')).toMatch(problem);
  });

  it('applies the documented errata (email address list, refresh-token logins)', () => {
    expect(check('auth', 'PUT', '/users/u1/emails', json, '{"emails":[{"address":"a@b.c","main":true}]}')).toEqual([]);
    expect(check('auth', 'POST', '/token', { 'content-type': 'application/json' }, '{"refresh_token":"r","client_id":"c"}')).toEqual([]);
  });

  it('generates answers whose arrays are arrays', () => {
    const spec = loadSpec('calld');
    const body = sample(spec, { type: 'object', properties: { items: { type: 'array', items: { $ref: '#/definitions/Call' } } } }) as { items: unknown[] };
    expect(Array.isArray(body.items)).toBe(true);
    expect(body.items).toHaveLength(2);
  });
});
