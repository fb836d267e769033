/**
 * The SIP lab (fixtures/lab: Kamailio + rtpengine) as the e2e tests use it: start/stop/restart by
 * the lab's scripts (they stop by PID and wait for the ports), and its HTTP fault/MWI helpers.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');
export const LAB = path.join(ROOT, 'fixtures/lab');
export const WS_URL = 'ws://127.0.0.1:8088/ws';
/** only while Kamailio runs with `startKamailio('', { tls: true })` */
export const WSS_URL = 'wss://127.0.0.1:8443/ws';
export const HTTP = 'http://127.0.0.1:8088';
export const REALM = 'lab.test';

export function run(script: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(path.join(LAB, script), args, { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

/** `env`: more of start.sh's settings, e.g. `{ LAB_PATH: '1' }` (test/support/e2e/path.ts) */
export async function startLab(defines = '', env: Record<string, string> = {}): Promise<void> {
  const r = await run('start.sh', [], { LAB_KAMAILIO_DEFINES: defines, ...env });
  if (r.code !== 0) throw new Error(`lab start failed:\n${r.out}`);
}

export async function stopLab(): Promise<void> {
  const r = await run('stop.sh', []);
  if (r.code !== 0) throw new Error(`lab stop failed:\n${r.out}`);
}

export async function stopKamailio(): Promise<void> {
  const r = await run('stop.sh', ['kamailio']);
  if (r.code !== 0) throw new Error(`kamailio stop failed:\n${r.out}`);
}

/** `tls`: also wss://127.0.0.1:8443/ws (WSS_URL), with a self-signed certificate made in the lab's run directory */
export async function startKamailio(defines = '', opts: { tls?: boolean } = {}): Promise<void> {
  const r = await run('start.sh', ['kamailio'], { LAB_KAMAILIO_DEFINES: defines, LAB_TLS: opts.tls ? '1' : '0' });
  if (r.code !== 0) throw new Error(`kamailio start failed:\n${r.out}`);
}

export function labGet(pathname: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // Kamailio closes the connection after each reply: no keep-alive agent
    const req = http.get(`${HTTP}${pathname}`, { agent: false, timeout: 5000, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('lab helper timed out')));
    req.on('error', reject);
  });
}

export async function contacts(user: string): Promise<{ count: number; lines: string[] }> {
  const r = await labGet(`/contacts/${user}`);
  const count = Number(/count=(\d+)/.exec(r.body)?.[1] ?? NaN);
  return { count, lines: r.body.split('\n').filter((l) => l.startsWith('contact=')) };
}

/**
 * Removes every binding of these users from Kamailio's location table (kamcmd over the lab's binrpc
 * socket). A suite whose phones die without un-REGISTERing (a gateway SIGKILLed) calls it when done, so
 * the next suite does not ring a contact nobody answers (408 where an unregistered user gives 480).
 */
export async function dropBindings(users: readonly string[]): Promise<void> {
  const socket = `unix:${process.env.LAB_RUN_DIR ?? '/tmp/lab'}/kamailio_ctl`;
  for (const user of users) {
    await new Promise<void>((resolve) => {
      // `s:`: kamcmd would send a numeric user as an integer; an error for a user without bindings is fine
      execFile('kamcmd', ['-s', socket, 'ul.rm', 'location', `s:${user}`], { timeout: 5000 }, () => resolve());
    });
  }
  for (const user of users) {
    const left = await contacts(user);
    if (left.count) throw new Error(`lab: ${user} still has ${left.count} binding(s) after ul.rm`);
  }
}

/** register() parameters for one of the lab's users (fixtures/lab: password `secret<user>`) */
export const labCreds = (user: string, extra: Record<string, unknown> = {}) => ({
  realm: REALM, privateIdentity: user, publicIdentity: `sip:${user}@${REALM}`, password: `secret${user}`, ...extra,
});

/** polls `ok` until it holds; throws `timed out: <what>` after `ms` */
export async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 10_000, stepMs = 100): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
