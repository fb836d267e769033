// Command-line flags of kazoo-wazo-dev → createWazoDevServer() options. Pure (no I/O except reading
// the files named by --cert/--key/--users, done by the caller) so it is tested directly.

import { LOG_LEVELS, type LogLevel } from '../sip-server';

export const WAZO_CLI_DEFAULTS = { host: '127.0.0.1', port: 8443, ringSeconds: 30, logLevel: 'info' as LogLevel };

export const WAZO_HELP_TEXT = `kazoo-wazo-dev — a Wazo development engine for kazoo-js (Wazo.Auth, Wazo.Phone, WazoApiClient)

Behaves like a Wazo stack where the Wazo SDK cares, on ONE port (HTTPS + WSS):
  REST       https://<host>:<port>/api/auth/0.1      token (Basic login, refresh_token grant), token checks, status
             https://<host>:<port>/api/confd/1.1     users/{uuid} (line, forwards, services), infos,
                                                     users/{uuid}/lines/{id}/associated/endpoints/sip?view=merged
             https://<host>:<port>/api/calld/1.0     users/me/calls (list; POST = originate: the user's own line
                                                     rings first, then the destination), DELETE users/me/calls/{id}
                                                     (hangup), .../dtmf?digits= (SIP INFO to the other party),
                                                     .../mute/start|stop, .../hold/start|stop;
                                                     users/me/transfers (GET, POST {initiator_call, exten,
                                                     flow attended|blind, timeout}), PUT .../{id}/complete,
                                                     DELETE .../{id} (cancel): the phones' media moved by
                                                     re-INVITEs (RFC 3725); needs browser phones
             https://<host>:<port>/api/dird/0.1      directories/lookup/default?term=
  websocketd wss://<host>:<port>/api/websocketd/?token=…&version=2   call_created/answered/updated/held/resumed/ended,
                                                     per leg, with that leg's own SIP Call-ID
  SIP        wss://<host>:<port>/api/asterisk/ws  (sub-protocol "sip"), digest auth, REGISTER (Wazo expiry:
             min 60, max 3600, default 120 s), calls between users, MESSAGE, INFO, REFER/NOTIFY, Replaces,
             X-Wazo-Call-ID, 480 after the ring time, "completed elsewhere" CANCEL to a user's other devices,
             CRLF keep-alive pong. One SIP Call-ID per leg, as Asterisk's: the callee's leg is a dialog of
             its own (Call-IDs translated at the engine, Replaces included).
A development engine, not a PBX: signalling only (media flows end to end between the clients, also on the
calls it originates or transfers, where it is the third-party call controller of RFC 3725; no hold music:
a party waiting in an attended transfer hears nothing), everything in memory.

Demo users: 1001..1010, password secret<user>, each with a WebRTC line on extension <user>
(SIP username = login, SIP password = login password, as served by confd's merged endpoint).

Usage: kazoo-wazo-dev [options]

  --host <addr>            bind address (default ${WAZO_CLI_DEFAULTS.host}; 0.0.0.0 listens on the network)
  --port <n>               HTTPS/WSS port (default ${WAZO_CLI_DEFAULTS.port}; 0 = any free port)
  --advertised-host <h>    host name clients use: put in the certificate and the printed URLs
                           (default: the bind address; 127.0.0.1 for 0.0.0.0)
  --cert <file> --key <file>  PEM certificate and key to serve (default: a self-signed certificate made
                           at start, pure Node, for 127.0.0.1, ::1, localhost and --advertised-host)
  --cert-out <file>        write the certificate in use (PEM) there, e.g. for Node's \`ca\` or NODE_EXTRA_CA_CERTS
  --users <file>           users JSON of the dev SIP server ({"users":[{"user","password","displayName"}]},
                           plain passwords: confd serves them to the phone) instead of the demo users
  --add-users <spec>       more users: 1011-1020 (password secret<user>) or name:password, comma-separated
  --ring-seconds <n>       how long a call rings before the caller gets 480 (default ${WAZO_CLI_DEFAULTS.ringSeconds})
  --log-level <level>      ${LOG_LEVELS.join('|')} (default ${WAZO_CLI_DEFAULTS.logLevel}; debug adds every REST request,
                           trace every SIP message; passwords, tokens and digest values are never printed)
  --json                   once listening, print one JSON line {"url","server","sipUrl","websocketdUrl"}
  -h, --help               this help

Browsers: open https://<host>:<port>/api/auth/0.1/status once and accept the certificate (or bring a
trusted one with --cert/--key); then Wazo.Auth.setHost('<host>:<port>').
Stops cleanly on SIGINT / SIGTERM (closes every connection and frees the port).`;

export interface WazoCliOptions {
  host: string;
  port: number;
  advertisedHost?: string;
  certFile?: string;
  keyFile?: string;
  certOut?: string;
  usersFile?: string;
  addUsers: string[];
  ringSeconds: number;
  logLevel: LogLevel;
  json: boolean;
}

export type WazoCliParse = { kind: 'help' } | { kind: 'error'; message: string } | { kind: 'run'; options: WazoCliOptions };

const VALUE_FLAGS = new Set(['host', 'port', 'advertised-host', 'cert', 'key', 'cert-out', 'users', 'add-users', 'ring-seconds', 'log-level']);

function int(flag: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new Error(`--${flag} needs an integer ${min}..${max}, got "${value}"`);
  return Number(value);
}

export function parseWazoCliArgs(argv: readonly string[]): WazoCliParse {
  const o: WazoCliOptions = { host: WAZO_CLI_DEFAULTS.host, port: WAZO_CLI_DEFAULTS.port, addUsers: [], ringSeconds: WAZO_CLI_DEFAULTS.ringSeconds, logLevel: WAZO_CLI_DEFAULTS.logLevel, json: false };
  try {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i];
      if (arg === '-h' || arg === '--help') return { kind: 'help' };
      if (arg === '--json') {
        o.json = true;
        continue;
      }
      const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
      if (!m || !VALUE_FLAGS.has(m[1])) throw new Error(`unknown option ${arg}`);
      const flag = m[1];
      const value = m[2] ?? argv[++i];
      if (value === undefined || (m[2] === undefined && value.startsWith('--'))) throw new Error(`--${flag} needs a value`);
      switch (flag) {
        case 'host': o.host = value; break;
        case 'port': o.port = int(flag, value, 0, 65535); break;
        case 'advertised-host': o.advertisedHost = value; break;
        case 'cert': o.certFile = value; break;
        case 'key': o.keyFile = value; break;
        case 'cert-out': o.certOut = value; break;
        case 'users': o.usersFile = value; break;
        case 'add-users': o.addUsers.push(value); break;
        case 'ring-seconds': o.ringSeconds = int(flag, value, 1, 3600); break;
        case 'log-level':
          if (!(LOG_LEVELS as readonly string[]).includes(value)) throw new Error(`--log-level is one of ${LOG_LEVELS.join(', ')}`);
          o.logLevel = value as LogLevel;
          break;
      }
    }
    if ((o.certFile === undefined) !== (o.keyFile === undefined)) throw new Error('--cert and --key go together');
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
  return { kind: 'run', options: o };
}
