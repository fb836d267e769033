// The kazoo-dev-sip command: parse flags, start the server, print what listens where (one clear line
// per failure), stop cleanly on SIGINT/SIGTERM. Started by bin/kazoo-dev-sip.mjs, which runs this
// TypeScript directly; `main` has no side effects on import so tests can call it.

import { HELP_TEXT, parseCliArgs } from './cli-args';
import { createDevSipServer, DevSipServerError } from './server';

export interface CliEnv {
  /** users.json next to this file (the launcher knows where it is; CommonJS/ESM differ here). */
  defaultUsersFile?: string;
  out?: (line: string) => void;
  err?: (line: string) => void;
  /** Resolves when the server should stop; default: the first SIGINT or SIGTERM. */
  until?: Promise<unknown>;
}

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once. */
export function signals(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (sig: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // A second signal while stopping: give up at once.
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve(sig);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export async function main(argv: readonly string[], env: CliEnv = {}): Promise<number> {
  const out = env.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const err = env.err ?? ((l: string) => process.stderr.write(`${l}\n`));
  const parsed = parseCliArgs(argv, env.defaultUsersFile);
  if (parsed.kind === 'help') {
    out(HELP_TEXT);
    return 0;
  }
  if (parsed.kind === 'error') {
    err(`kazoo-dev-sip: ${parsed.message} (see --help)`);
    return 2;
  }

  let server;
  try {
    server = createDevSipServer(parsed.options);
  } catch (e) {
    err(`kazoo-dev-sip: cannot start: ${(e as Error).message}`);
    return 1;
  }
  const stopRequested = env.until ?? signals();
  let info;
  try {
    info = await server.start();
  } catch (e) {
    const hint = e instanceof DevSipServerError && e.code === 'EADDRINUSE' ? ` (try --${e.transport}-port <other port> or --${e.transport}-port 0)` : '';
    err(`kazoo-dev-sip: cannot start: ${(e as Error).message}${hint}`);
    return 1;
  }

  const users = server.users.list();
  const single = users.filter((u) => u.singleDevice).map((u) => u.user);
  const file = parsed.options.usersFile ?? 'built-in demo users';
  out(`kazoo-dev-sip: SIP over WebSocket  ${info.wsUrl}   (JsSIP: new JsSIP.WebSocketInterface('${info.wsUrl}'))`);
  out(`kazoo-dev-sip: SIP over UDP        ${info.udp.host}:${info.udp.port}`);
  out(`kazoo-dev-sip: domain ${info.domain}, ${users.length} users: ${summarize(users.map((u) => u.user))}` +
    `${single.length ? `; single device: ${summarize(single)}` : ''} (passwords: ${file})`);
  if (parsed.options.httpHelpers !== false) {
    out(`kazoo-dev-sip: HTTP helpers        ${info.httpUrl}/health  /mwi/<user>/<new>/<old>[?order=legacy]  /contacts/<user>  /kick/<user>`);
  }
  if (parsed.json) out(JSON.stringify(info));

  await stopRequested;
  await server.stop();
  out('kazoo-dev-sip: stopped');
  return 0;
}

/** "1001..1010" for consecutive numbers, else a short list. */
function summarize(names: string[]): string {
  const nums = names.map(Number);
  const consecutive = nums.every((n, i) => Number.isInteger(n) && (i === 0 || n === nums[i - 1] + 1));
  if (names.length > 2 && consecutive) return `${names[0]}..${names[names.length - 1]}`;
  return names.length > 12 ? `${names.slice(0, 12).join(', ')}, ...` : names.join(', ');
}
