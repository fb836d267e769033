// Flag parsing of kazoo-dev-sip (pure).

import { CLI_DEFAULTS, HELP_TEXT, parseCliArgs } from './cli-args';

test('defaults: 127.0.0.1, ws 5064, udp 5060, kazoo.test, info, the given users file', () => {
  const p = parseCliArgs([], '/x/users.json');
  expect(p).toEqual({
    kind: 'run', json: false,
    options: { host: '127.0.0.1', wsPort: 5064, udpPort: 5060, domain: 'kazoo.test', logLevel: 'info', usersFile: '/x/users.json', addUsers: [], limits: {} },
  });
  expect(CLI_DEFAULTS.host).toBe('127.0.0.1');
});

test('every flag, both --flag value and --flag=value', () => {
  const p = parseCliArgs([
    '--host=0.0.0.0', '--advertised-host', '192.168.1.5', '--ws-port', '0', '--ws-path', 'sip', '--udp-port=5070',
    '--users', 'u.json', '--add-users', '1011-1012', '--add-users=alice:pw!', '--domain', 'dev.test', '--realm', 'r',
    '--auth-failure', '401', '--log-level', 'trace', '--max-connections', '5', '--max-registrations', '6', '--max-dialogs', '7',
    '--max-message-bytes', '2048', '--no-http-helpers', '--json',
  ]);
  expect(p).toEqual({
    kind: 'run', json: true,
    options: {
      host: '0.0.0.0', advertisedHost: '192.168.1.5', wsPort: 0, wsPath: '/sip', udpPort: 5070, usersFile: 'u.json',
      addUsers: ['1011-1012', 'alice:pw!'], domain: 'dev.test', realm: 'r', authFailure: 401, logLevel: 'trace',
      limits: { maxConnections: 5, maxRegistrations: 6, maxDialogs: 7, maxMessageBytes: 2048 }, httpHelpers: false,
    },
  });
});

test('help and errors', () => {
  expect(parseCliArgs(['-h'])).toEqual({ kind: 'help' });
  expect(parseCliArgs(['--ws-port', '5064', '--help'])).toEqual({ kind: 'help' });
  for (const flag of ['--host', '--ws-port', '--users', '--add-users', '--domain', '--log-level', '--udp-port', '--max-connections']) {
    expect(HELP_TEXT).toContain(flag);
  }
  expect(parseCliArgs(['--bogus'])).toEqual({ kind: 'error', message: 'unknown option --bogus' });
  expect(parseCliArgs(['--ws-port'])).toMatchObject({ kind: 'error', message: '--ws-port needs a value' });
  expect(parseCliArgs(['--ws-port', '70000'])).toMatchObject({ kind: 'error' });
  expect(parseCliArgs(['--log-level', 'loud'])).toMatchObject({ kind: 'error' });
  expect(parseCliArgs(['--auth-failure', '500'])).toMatchObject({ kind: 'error' });
  expect(parseCliArgs(['--host', '--json'])).toMatchObject({ kind: 'error', message: '--host needs a value' });
});
