// Run sipp (/usr/bin/sipp) as a child process bound to 127.0.0.1, always with -m and -timeout, in a
// scratch directory (sipp may write logs to its cwd), and kill it by PID if it outlives the test.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const SIPP_DIR = join(__dirname, '..', '..', '..', 'devstack', 'sip-server', 'sipp');

/** Whether a sipp binary is on PATH (Debian: apt-get install sip-tester). */
export const HAVE_SIPP = !spawnSync('sipp', ['-v'], { stdio: 'ignore' }).error;
const running = new Set<ChildProcess>();
let scratch: string | null = null;

export interface SippResult {
  code: number | null;
  output: string;
}

/** sipp with `scenario` (a file name in sipp/, or an absolute path), the server address last unless `server` is undefined (UAS). */
export function sipp(scenario: string, args: string[], server: string | undefined, timeoutSec = 15): { pid: number | undefined; done: Promise<SippResult> } {
  const full = [
    '-sf', resolve(SIPP_DIR, scenario), '-i', '127.0.0.1', '-nostdin', '-timeout', `${timeoutSec}s`, '-timeout_error',
    ...(args.includes('-m') ? [] : ['-m', '1']), ...args, ...(server ? [server] : []),
  ];
  scratch ??= mkdtempSync(join(tmpdir(), 'kzdev-sipp-'));
  const child = spawn('sipp', full, { cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20000)));
  const done = new Promise<SippResult>((resolve) => {
    child.on('exit', (code) => {
      running.delete(child);
      resolve({ code, output });
    });
    child.on('error', (err) => {
      running.delete(child);
      resolve({ code: -1, output: String(err) });
    });
  });
  return { pid: child.pid, done };
}

/** Kill every sipp still running, by PID, and remove the scratch directory (a later sipp() makes a new one). */
export function killSipps(): void {
  for (const c of running) if (c.pid && c.exitCode === null) process.kill(c.pid, 'SIGKILL');
  running.clear();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = null;
}

/** A UDP port that was free a moment ago on 127.0.0.1. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
