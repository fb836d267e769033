/**
 * `kazoo-rtmp-gateway` (dist/rtmp-gateway.cjs, so `npm run build` first) as a child process: a gateway or
 * its tunnel-only front that a test can stop with a real signal (SIGSTOP: a gateway that hangs while the
 * kernel keeps its sockets open), always ended by its PID.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './lab';
import { accepts } from './siprtmp-peer';

export const GATEWAY_BIN = path.join(ROOT, 'dist/rtmp-gateway.cjs');

export interface GatewayProcess {
  readonly pid: number;
  /** what it wrote so far (stderr and stdout) */
  log(): string;
  signal(signal: NodeJS.Signals): void;
  /** SIGCONT (in case it was stopped) and SIGTERM; SIGKILL after 3 s; resolves once it exited */
  stop(): Promise<void>;
  /** resolves when the process exits, with its exit code or the signal that ended it */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** starts `node dist/rtmp-gateway.cjs <args>` and resolves once every port in `ports` accepts (10 s at most) */
export async function startGatewayProcess(args: string[], ports: number[]): Promise<GatewayProcess> {
  if (!fs.existsSync(GATEWAY_BIN)) throw new Error(`${GATEWAY_BIN} is missing: npm run build`);
  const child = spawn(process.execPath, [GATEWAY_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { if (out.length < 1_000_000) out += d; });
  child.stderr!.on('data', (d) => { if (out.length < 1_000_000) out += d; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const pid = child.pid!;
  const proc: GatewayProcess = {
    pid,
    exited,
    log: () => out,
    signal(signal) {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, signal);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGTERM');
      const timer = setTimeout(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }, 3000);
      await exited;
      clearTimeout(timer);
    },
  };
  const end = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`kazoo-rtmp-gateway ${args.join(' ')} exited with ${child.exitCode}:\n${out}`);
    if ((await Promise.all(ports.map(accepts))).every(Boolean)) return proc;
    if (Date.now() > end) {
      await proc.stop();
      throw new Error(`kazoo-rtmp-gateway ${args.join(' ')} did not listen on ${ports.join(', ')} within 10 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
