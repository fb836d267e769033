/**
 * Debian's HAProxy (fixtures/lab/install.sh) in front of two gateway instances, with the project's
 * configuration (fixtures/haproxy/haproxy.cfg, values from the environment) and its own run directory
 * under the OS temp dir: started as a child process, read and steered through its admin socket, always
 * ended by its PID. Loopback only.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT, until } from './lab';

export const HAPROXY_BIN = '/usr/sbin/haproxy';
export const HAPROXY_CFG = path.join(ROOT, 'fixtures/haproxy/haproxy.cfg');

export interface HaproxyPorts {
  frontRtmp: number;
  frontHttp: number;
  /** each instance's --rtmp and --http port (gw1, gw2) */
  gateways: [{ rtmp: number; http: number }, { rtmp: number; http: number }];
}

/** `backend/server` → its status as `show stat` reports it (UP, DOWN, NOLB, MAINT, `DOWN 1/2`...) */
export type ServerStates = Record<string, string>;

export interface HaproxyProcess {
  readonly pid: number;
  log(): string;
  /** one admin-socket command, its answer */
  command(line: string): Promise<string>;
  states(): Promise<ServerStates>;
  /** waits until every listed `backend/server` reports `status` (e.g. 'UP'); 10 s by default */
  waitFor(servers: string[], status: string, ms?: number): Promise<void>;
  stop(): Promise<void>;
}

export function haproxyUnavailable(): string | null {
  return fs.existsSync(HAPROXY_BIN) ? null : `${HAPROXY_BIN} is missing (fixtures/lab/install.sh installs Debian's haproxy)`;
}

export async function startHaproxy(ports: HaproxyPorts, checkInter = '500ms'): Promise<HaproxyProcess> {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kazoo-haproxy-'));
  const socket = path.join(runDir, 'haproxy.sock');
  const env = {
    ...process.env,
    HAPROXY_RUN_DIR: runDir,
    FRONT_HOST: '127.0.0.1',
    FRONT_RTMP_PORT: String(ports.frontRtmp),
    FRONT_HTTP_PORT: String(ports.frontHttp),
    GW1_HOST: '127.0.0.1', GW1_RTMP_PORT: String(ports.gateways[0].rtmp), GW1_HTTP_PORT: String(ports.gateways[0].http),
    GW2_HOST: '127.0.0.1', GW2_RTMP_PORT: String(ports.gateways[1].rtmp), GW2_HTTP_PORT: String(ports.gateways[1].http),
    CHECK_INTER: checkInter,
  };
  // -db: foreground, no daemon; the child is HAProxy itself (its PID is the one to stop)
  const child = spawn(HAPROXY_BIN, ['-db', '-f', HAPROXY_CFG], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => { if (out.length < 1_000_000) out += d; };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const command = (line: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const s = net.connect(socket);
      let answer = '';
      s.setTimeout(3000, () => s.destroy(new Error(`haproxy admin socket: no answer to ${line}`)));
      s.on('data', (d) => { answer += d; });
      s.on('end', () => resolve(answer));
      s.on('error', reject);
      s.write(`${line}\n`);
    });

  const states = async (): Promise<ServerStates> => {
    const csv = (await command('show stat')).split('\n').filter((l) => l && !l.startsWith('#'));
    const result: ServerStates = {};
    for (const row of csv) {
      const f = row.split(',');
      if (f[1] !== 'FRONTEND' && f[1] !== 'BACKEND') result[`${f[0]}/${f[1]}`] = f[17];
    }
    return result;
  };

  const proc: HaproxyProcess = {
    pid: child.pid!,
    log: () => out,
    command,
    states,
    async waitFor(servers, status, ms = 10_000) {
      await until(`haproxy: ${servers.join(', ')} ${status}`, async () => {
        const now = await states().catch(() => ({}) as ServerStates);
        return servers.every((s) => now[s] === status);
      }, ms, 50);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid!, 'SIGTERM');
        const timer = setTimeout(() => { try { process.kill(child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 3000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(runDir, { recursive: true, force: true });
    },
  };
  try {
    await until('haproxy admin socket', () => fs.existsSync(socket) || child.exitCode !== null, 10_000, 50);
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}:\n${out}`);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return proc;
}

export const ALL_SERVERS = ['gateways_rtmp/gw1', 'gateways_rtmp/gw2', 'gateways_http/gw1', 'gateways_http/gw2'];
/** the two backends' entries of one instance (`gw1` or `gw2`) */
export const serversOf = (gw: 'gw1' | 'gw2'): string[] => [`gateways_rtmp/${gw}`, `gateways_http/${gw}`];
