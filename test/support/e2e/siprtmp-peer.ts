/**
 * The original SIP–RTMP gateway (rtmplite's siprtmp.py, Python 2.7) as a real test peer. It lives outside
 * the repository (`../shared/peers`, beside the clone; `SIPRTMP_PEERS` overrides), is started through its
 * own siprtmp.sh inside the current network namespace, and is stopped by the PIDs of the script and of
 * every process it started (the python gateway and rtmpt.py), never by name.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { REALM, ROOT } from './lab';

/** where siprtmp.sh and rtmplite/ are: SIPRTMP_PEERS, else ../shared/peers beside the repository */
export function siprtmpPeersDir(): string {
  return process.env.SIPRTMP_PEERS || path.resolve(ROOT, '../shared/peers');
}

/** the Python 2.7 siprtmp.sh would pick (same order: $PYTHON2, pyenv's 2.7.x, python2.7 on PATH), or null */
function python2(): string | null {
  const candidates: string[] = [];
  if (process.env.PYTHON2) candidates.push(process.env.PYTHON2);
  try {
    const root = execFileSync('pyenv', ['root'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const versions = path.join(root, 'versions');
    for (const v of fs.existsSync(versions) ? fs.readdirSync(versions) : []) {
      if (v.startsWith('2.7')) candidates.push(path.join(versions, v, 'bin/python2.7'));
    }
  } catch { /* no pyenv: fall back to PATH */ }
  candidates.push('python2.7');
  for (const py of candidates) {
    try {
      execFileSync(py, ['-c', 'import sys; assert sys.version_info[0] == 2'], { timeout: 5000, stdio: 'ignore' });
      return py;
    } catch { /* not a working Python 2 */ }
  }
  return null;
}

/** null when the real peer can run here; otherwise the reason it cannot (no Python 2.7, no ../shared/peers) */
export function siprtmpUnavailable(): string | null {
  const dir = siprtmpPeersDir();
  const script = path.join(dir, 'siprtmp.sh');
  if (!fs.existsSync(script)) return `no siprtmp peer: ${script} not found (set SIPRTMP_PEERS to the shared/peers folder)`;
  if (!fs.existsSync(path.join(dir, 'rtmplite/siprtmp.py'))) return `no rtmplite/siprtmp.py in ${dir}`;
  if (!python2()) return 'no working Python 2.7 (siprtmp.py needs it; set PYTHON2 or install 2.7 through pyenv)';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'siprtmp.sh needs root (unshare -m for its private /etc/hosts)';
  return null;
}

export interface SiprtmpPeer {
  port: number;
  rtmptPort: number | null;
  /** siprtmp.sh first, then the processes it started (siprtmp.py, rtmpt.py when asked for) */
  pids: number[];
  /** every process of `pids` is still running */
  alive(): boolean;
  /** everything the script and its children wrote so far */
  log(): string;
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM to every PID, SIGKILL to those still there after 5 s; resolves when all are gone */
  stop(): Promise<void>;
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // a zombie still answers signal 0: it has exited all the same
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** a TCP connect to 127.0.0.1:port succeeds within 1 s */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => { s.destroy(); resolve(ok); };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** starts ../shared/peers/siprtmp.sh --port P --map lab.test=127.0.0.1 [--rtmpt R] inside the current netns; resolves when the ports accept */
export async function startSiprtmp(opts: { port: number; rtmptPort?: number }): Promise<SiprtmpPeer> {
  const why = siprtmpUnavailable();
  if (why) throw new Error(why);
  const args = ['--port', String(opts.port), '--map', `${REALM}=127.0.0.1`];
  if (opts.rtmptPort) args.push('--rtmpt', String(opts.rtmptPort));
  const py = python2();
  const child: ChildProcess = spawn(path.join(siprtmpPeersDir(), 'siprtmp.sh'), args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...(py ? { PYTHON2: py } : {}) },
  });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  const scriptPid = child.pid!;
  const want = opts.rtmptPort ? 2 : 1;
  let pids: number[] = [scriptPid];

  const peer: SiprtmpPeer = {
    port: opts.port,
    rtmptPort: opts.rtmptPort ?? null,
    get pids() { return pids; },
    alive: () => pids.length === 1 + want && pids.every(running),
    log: () => out,
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      for (const p of pids) { try { process.kill(p, signal); } catch { /* already gone */ } }
    },
    async stop() {
      // the gateway and rtmpt.py first (siprtmp.sh's trap would do it too, but only if it is still alive)
      for (const p of pids.slice(1)) { try { process.kill(p, 'SIGTERM'); } catch { /* gone */ } }
      try { process.kill(scriptPid, 'SIGTERM'); } catch { /* gone */ }
      const end = Date.now() + 5000;
      while (pids.some(running) && Date.now() < end) await sleep(50);
      for (const p of pids.filter(running)) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
      const end2 = Date.now() + 2000;
      while (pids.some(running) && Date.now() < end2) await sleep(50);
    },
  };

  try {
    // the script's children: unshare exec's bash, env and then python (one PID), the rtmpt subshell exec's python
    const end = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`siprtmp.sh exited with ${child.exitCode}:\n${out}`);
      pids = [scriptPid, ...childrenOf(scriptPid)];
      const ports = [opts.port, ...(opts.rtmptPort ? [opts.rtmptPort] : [])];
      if (pids.length === 1 + want && (await Promise.all(ports.map(accepts))).every(Boolean)) {
        // unshare → bash → env → python keep the same PID; re-read once the port answers, when python runs
        pids = [scriptPid, ...childrenOf(scriptPid)];
        return peer;
      }
      if (Date.now() > end) throw new Error(`siprtmp did not accept on ${ports.join(', ')} within 15 s:\n${out}`);
      await sleep(100);
    }
  } catch (e) {
    await peer.stop();
    throw e;
  }
}

/** the lines of a gateway log that show a Python exception (siprtmp.py dies on an uncaught one) */
export function pythonTracebacks(log: string): string[] {
  return log.split('\n').filter((l) => /Traceback|Error:/.test(l));
}
