import { createLogger } from './logger';

test('every registered secret is masked in every line, whatever carried it', () => {
  const lines: string[] = [];
  const log = createLogger((level, line) => lines.push(`${level} ${line}`), () => true);
  log.redact('s3cret-pw');
  log.debug(`REGISTER with ${JSON.stringify({ password: 's3cret-pw', user: '1001' })}`);
  log.warn('twice: s3cret-pw and s3cret-pw');
  expect(lines).toEqual([
    'debug [kazoo] REGISTER with {"password":"***","user":"1001"}',
    'warn [kazoo] twice: *** and ***',
  ]);
});

test('debug lines only when debugging; no sink, no output', () => {
  const lines: string[] = [];
  let on = false;
  const log = createLogger((_l, line) => lines.push(line), () => on);
  log.debug('hidden');
  on = true;
  log.debug('shown');
  expect(lines).toEqual(['[kazoo] shown']);
  expect(() => createLogger(null, () => true).error('x')).not.toThrow();
});
