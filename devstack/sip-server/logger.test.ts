// Logger: levels and redaction of secrets and digest credentials.

import { createLogger, redact } from './logger';

test('levels filter; silent prints nothing', () => {
  const lines: string[] = [];
  const log = createLogger('info', (l) => lines.push(l));
  log.debug('hidden');
  log.info('shown');
  log.error('also');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/^\S+ kazoo-dev-sip info {2}shown$/);
  expect(log.enabled('debug')).toBe(false);
  const silent: string[] = [];
  createLogger('silent', (l) => silent.push(l)).error('x');
  expect(silent).toEqual([]);
});

test('registered secrets and digest parameters are masked', () => {
  const lines: string[] = [];
  const log = createLogger('trace', (l) => lines.push(l));
  log.addSecret('hunter22');
  log.trace('Authorization: Digest username="1001", realm="r", nonce="abc.def", uri="sip:r", response="0123456789abcdef0123456789abcdef", cnonce="xyz", nc=00000001\r\nX-Pass: hunter22');
  expect(lines[0]).not.toContain('hunter22');
  expect(lines[0]).not.toContain('0123456789abcdef');
  expect(lines[0]).not.toContain('abc.def');
  expect(lines[0]).toContain('username="1001"');
  expect(redact('password=abc;ha1=def', new Set())).toBe('password="***";ha1="***"');
});
