// The kazoo-wazo-dev command: parse flags, read the certificate/users files, start the engine, print
// what listens where (one clear line per failure), stop on SIGINT/SIGTERM. Started by
// bin/kazoo-wazo-dev.mjs from the TypeScript source; `main` has no side effects on import.

import { readFileSync, writeFileSync } from 'node:fs';
import { DevSipServerError, loadUsersFile, untilStopSignal } from '../sip-server';
import { parseWazoCliArgs, WAZO_HELP_TEXT } from './cli-args';
import { createWazoDevServer, type WazoDevServer } from './server';

export interface WazoCliEnv {
  out?: (line: string) => void;
  err?: (line: string) => void;
  /** Resolves when the engine should stop; default: the first SIGINT or SIGTERM. */
  until?: Promise<unknown>;
}

const NAME = 'kazoo-wazo-dev';

export async function main(argv: readonly string[], env: WazoCliEnv = {}): Promise<number> {
  const out = env.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const err = env.err ?? ((l: string) => process.stderr.write(`${l}\n`));
  const parsed = parseWazoCliArgs(argv);
  if (parsed.kind === 'help') {
    out(WAZO_HELP_TEXT);
    return 0;
  }
  if (parsed.kind === 'error') {
    err(`${NAME}: ${parsed.message} (see --help)`);
    return 2;
  }
  const o = parsed.options;
  let engine: WazoDevServer;
  try {
    const tls = o.certFile && o.keyFile ? { cert: readFileSync(o.certFile, 'utf8'), key: readFileSync(o.keyFile, 'utf8') } : undefined;
    engine = createWazoDevServer({
      host: o.host, port: o.port, advertisedHost: o.advertisedHost, tls, ringSeconds: o.ringSeconds, logLevel: o.logLevel,
      users: o.usersFile ? loadUsersFile(o.usersFile) : undefined, addUsers: o.addUsers,
    });
  } catch (e) {
    err(`${NAME}: cannot start: ${(e as Error).message}`);
    return 1;
  }
  const stopRequested = env.until ?? untilStopSignal();
  let info;
  try {
    info = await engine.start();
  } catch (e) {
    const hint = e instanceof DevSipServerError && e.code === 'EADDRINUSE' ? ' (try --port <other port> or --port 0)' : '';
    err(`${NAME}: cannot start: ${(e as Error).message.replace('WebSocket (TCP)', 'HTTPS')}${hint}`);
    return 1;
  }
  if (o.certOut) writeFileSync(o.certOut, info.certificate);
  const names = engine.users.map((u) => u.username);
  out(`${NAME}: REST        ${info.url}/api/{auth/0.1,confd/1.1,calld/1.0,dird/0.1}/…   (Wazo.Auth.setHost('${info.server}'))`);
  out(`${NAME}: websocketd  ${info.websocketdUrl}?token=…&version=2`);
  out(`${NAME}: SIP         ${info.sipUrl}   (sub-protocol sip)`);
  out(`${NAME}: ${names.length} users: ${names.length > 12 ? `${names.slice(0, 12).join(', ')}, …` : names.join(', ')} (login = SIP user = extension; demo passwords secret<user>)`);
  out(`${NAME}: certificate ${o.certFile ? o.certFile : 'self-signed, made at start'}${o.certOut ? ` (PEM written to ${o.certOut})` : ''}; browsers: open ${info.url}/api/auth/0.1/status once and accept it`);
  if (o.json) out(JSON.stringify({ url: info.url, server: info.server, sipUrl: info.sipUrl, websocketdUrl: info.websocketdUrl }));

  await stopRequested;
  await engine.stop();
  out(`${NAME}: stopped`);
  return 0;
}
