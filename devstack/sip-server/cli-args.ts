// Command-line flags of kazoo-dev-sip → createDevSipServer() options. Pure (no I/O) so it is tested
// directly; cli.ts does the printing, starting and signal handling.

import { LOG_LEVELS, type LogLevel } from './logger';
import type { DevSipServerOptions } from './options';

export const CLI_DEFAULTS = { host: '127.0.0.1', wsPort: 5064, udpPort: 5060, domain: 'kazoo.test', logLevel: 'info' as LogLevel };

export const HELP_TEXT = `kazoo-dev-sip — development SIP server for kazoo-js (registrar + proxy, SIP over WebSocket and UDP)

A development default, not a PBX: no media relay, no persistence beyond the users JSON file.

Usage: kazoo-dev-sip [options]

  --host <addr>             bind address (default ${CLI_DEFAULTS.host}; 0.0.0.0 listens on the network)
  --advertised-host <host>  host put in Via/Record-Route/Contact (default: the bind address,
                            or the first LAN IPv4 with 0.0.0.0)
  --ws-port <n>             SIP over WebSocket port, sub-protocol "sip" (default ${CLI_DEFAULTS.wsPort}; 0 = any free port)
  --ws-path <path>          WebSocket path (default /ws)
  --udp-port <n>            SIP over UDP port (default ${CLI_DEFAULTS.udpPort}; 0 = any free port)
  --users <file>            users JSON file (default: devstack/sip-server/users.json, demo users 1001-1010)
  --add-users <spec>        more users, comma-separated, repeatable:
                              1011-1020    users 1011..1020 with password secret<user>
                              alice:pw     one user with that password
                              ...!         "!" suffix = single-device user (Kazoo registration overwrite)
  --domain <domain>         SIP domain (default ${CLI_DEFAULTS.domain})
  --realm <realm>           digest realm (default: the domain)
  --auth-failure <401|403>  answer to a wrong password (default 403 "Wrong password", as Kazoo's lab)
  --log-level <level>       ${LOG_LEVELS.join('|')} (default ${CLI_DEFAULTS.logLevel}; trace prints every SIP message,
                            credentials masked)
  --max-connections <n>     open WebSocket connections (default 1000)
  --max-registrations <n>   registrations over all users (default 20000)
  --max-dialogs <n>         established calls (default 5000)
  --max-message-bytes <n>   largest SIP message; larger requests get 513 (default 32768)
  --no-http-helpers         disable GET /health, /mwi/<user>/<new>/<old>[?order=legacy], /notify/<user>/<event>,
                            /contacts/<user>, /kick/<user>[?code=1001] (loopback clients only)
  --json                    once listening, print one JSON line {"wsUrl","udp","httpUrl","domain"} on stdout
  -h, --help                this help

Stops cleanly on SIGINT / SIGTERM (closes every socket, frees both ports).`;

export type CliParse =
  | { kind: 'help' }
  | { kind: 'error'; message: string }
  | { kind: 'run'; options: DevSipServerOptions; json: boolean };

const VALUE_FLAGS = new Set([
  'host', 'advertised-host', 'ws-port', 'ws-path', 'udp-port', 'users', 'add-users', 'domain', 'realm', 'auth-failure',
  'log-level', 'max-connections', 'max-registrations', 'max-dialogs', 'max-message-bytes',
]);

function int(flag: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new Error(`--${flag} needs an integer ${min}..${max}, got "${value}"`);
  return Number(value);
}

export function parseCliArgs(argv: readonly string[], defaultUsersFile?: string): CliParse {
  const o: DevSipServerOptions = {
    host: CLI_DEFAULTS.host, wsPort: CLI_DEFAULTS.wsPort, udpPort: CLI_DEFAULTS.udpPort, domain: CLI_DEFAULTS.domain,
    logLevel: CLI_DEFAULTS.logLevel, usersFile: defaultUsersFile, addUsers: [], limits: {},
  };
  let json = false;
  try {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i];
      if (arg === '-h' || arg === '--help') return { kind: 'help' };
      if (arg === '--json') { json = true; continue; }
      if (arg === '--no-http-helpers') { o.httpHelpers = false; continue; }
      const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
      if (!m || !VALUE_FLAGS.has(m[1])) throw new Error(`unknown option ${arg}`);
      const flag = m[1];
      const value = m[2] ?? argv[++i];
      if (value === undefined || (m[2] === undefined && value.startsWith('--'))) throw new Error(`--${flag} needs a value`);
      const limits = o.limits!;
      switch (flag) {
        case 'host': o.host = value; break;
        case 'advertised-host': o.advertisedHost = value; break;
        case 'ws-port': o.wsPort = int(flag, value, 0, 65535); break;
        case 'ws-path': o.wsPath = value.startsWith('/') ? value : `/${value}`; break;
        case 'udp-port': o.udpPort = int(flag, value, 0, 65535); break;
        case 'users': o.usersFile = value; break;
        case 'add-users': o.addUsers!.push(value); break;
        case 'domain': o.domain = value; break;
        case 'realm': o.realm = value; break;
        case 'auth-failure':
          if (value !== '401' && value !== '403') throw new Error('--auth-failure is 401 or 403');
          o.authFailure = value === '401' ? 401 : 403;
          break;
        case 'log-level':
          if (!(LOG_LEVELS as readonly string[]).includes(value)) throw new Error(`--log-level is one of ${LOG_LEVELS.join(', ')}`);
          o.logLevel = value as LogLevel;
          break;
        case 'max-connections': limits.maxConnections = int(flag, value, 1, 1e6); break;
        case 'max-registrations': limits.maxRegistrations = int(flag, value, 1, 1e7); break;
        case 'max-dialogs': limits.maxDialogs = int(flag, value, 1, 1e7); break;
        case 'max-message-bytes': limits.maxMessageBytes = int(flag, value, 1024, 1 << 20); break;
      }
    }
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
  return { kind: 'run', options: o, json };
}
