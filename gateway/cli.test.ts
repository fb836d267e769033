/** The CLI's flags (the process itself is checked from the built dist/rtmp-gateway.cjs). */
import { HELP, parseCliArgs } from './cli-args';

test('flags map onto gateway options; bad flags are errors', () => {
  expect(parseCliArgs(['--rtmp', '127.0.0.1:0', '--http', 'off', '--sip-server', '10.0.0.1', '--max-sessions', '5', '--log-level', 'debug'])).toEqual({
    kind: 'run',
    options: { rtmp: { host: '127.0.0.1', port: 0 }, http: null, sipServer: { host: '10.0.0.1', port: 5060 }, maxSessions: 5, logLevel: 'debug' },
  });
  expect(parseCliArgs(['--help'])).toEqual({ kind: 'help' });
  expect(parseCliArgs(['--max-sessions', '0'])).toMatchObject({ kind: 'error' });
  expect(parseCliArgs(['--bogus'])).toMatchObject({ kind: 'error' });
  for (const flag of ['--rtmp', '--http', '--sip-server', '--max-sessions', '--log-level', '--user-agent']) expect(HELP).toContain(flag);
});
