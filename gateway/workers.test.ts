/**
 * `--workers N` (workers.ts): the flag, the primary's forks and signal forwarding on stand-ins that record,
 * and, with real node:cluster processes, that each worker's UDP sockets (SIP, RTP) are its own.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { parseCliArgs } from './cli-args';
import { exclusiveBindArgs, resolveWorkerCount, runPrimary, WORKER_INDEX_ENV, workerIndex, type ClusterLike, type WorkerLike } from './workers';
import { clusterRtmptRoute, rtmptIdPrefix, rtmptOwner } from './rtmpt-workers';
import { RtmpClient } from '../protocol/rtmp/rtmp-client';
import { openRtmpt, type FetchLike } from '../protocol/rtmp/tunnel/rtmpt-duplex';

jest.setTimeout(30_000);

describe('the flag', () => {
  test('--workers N|auto; anything else is an error; not with --upstream', () => {
    expect(parseCliArgs(['--workers', '2'])).toEqual({ kind: 'run', options: { logLevel: 'info' }, workers: 2 });
    expect(parseCliArgs(['--workers', 'auto'])).toEqual({ kind: 'run', options: { logLevel: 'info' }, workers: 'auto' });
    expect(parseCliArgs([])).toEqual({ kind: 'run', options: { logLevel: 'info' } });
    for (const bad of ['0', '-1', '1.5', 'two', '65']) expect(parseCliArgs(['--workers', bad])).toMatchObject({ kind: 'error', message: expect.stringContaining('--workers') });
    expect(parseCliArgs(['--workers'])).toMatchObject({ kind: 'error', message: '--workers needs a value' });
    expect(parseCliArgs(['--upstream', 'rtmp://127.0.0.1:1935', '--workers', '2'])).toMatchObject({ kind: 'error', message: expect.stringContaining('--workers') });
    expect(resolveWorkerCount('auto', 2)).toBe(2);
    expect(resolveWorkerCount('auto', 0)).toBe(1);
    expect(resolveWorkerCount(3, 2)).toBe(3);
    expect(workerIndex({ [WORKER_INDEX_ENV]: '1' })).toBe(1);
    expect(workerIndex({})).toBeNull();
    expect(workerIndex({ [WORKER_INDEX_ENV]: 'x' })).toBeNull();
  });

  test('every dgram bind form becomes exclusive, keeping port, address and callback', () => {
    const cb = (): void => undefined;
    expect(exclusiveBindArgs([0, '127.0.0.1', cb])).toEqual([{ port: 0, address: '127.0.0.1', exclusive: true }, cb]);
    expect(exclusiveBindArgs([5004])).toEqual([{ port: 5004, exclusive: true }]);
    expect(exclusiveBindArgs([])).toEqual([{ port: 0, exclusive: true }]);
    expect(exclusiveBindArgs([cb])).toEqual([{ port: 0, exclusive: true }, cb]);
    expect(exclusiveBindArgs([{ port: 7, address: '::1' }, cb])).toEqual([{ port: 7, address: '::1', exclusive: true }, cb]);
  });
});

/** node:cluster and the process's signals, recorded */
function standIns() {
  const events: string[] = [];
  const workers: { index: number; pid: number; exit: (code: number | null, signal?: NodeJS.Signals) => void }[] = [];
  let pid = 100;
  const cluster: ClusterLike = {
    fork(env) {
      const index = Number(env[WORKER_INDEX_ENV]);
      const me = ++pid;
      let onExit: (code: number | null, signal: NodeJS.Signals | null) => void = () => undefined;
      events.push(`fork ${index} pid ${me}`);
      const worker: WorkerLike = {
        process: { pid: me, kill: (signal) => void events.push(`${signal} → ${me}`) },
        on: (_event, listener) => void (onExit = listener),
      };
      workers.push({ index, pid: me, exit: (code, signal) => onExit(code, signal ?? null) });
      return worker;
    },
  };
  const listeners = new Map<string, Set<() => void>>();
  const signals = {
    on: (s: string, l: () => void) => void (listeners.get(s) ?? listeners.set(s, new Set()).get(s)!).add(l),
    off: (s: string, l: () => void) => void listeners.get(s)?.delete(l),
    raise: (s: string) => [...(listeners.get(s) ?? [])].forEach((l) => l()),
    count: () => [...listeners.values()].reduce((n, set) => n + set.size, 0),
  };
  return { events, workers, cluster, signals };
}

test('an RTMPT session id names the worker that opened it; only send/idle/close paths are routed', () => {
  expect(rtmptIdPrefix(1)).toBe('w1-');
  expect(rtmptOwner(`/idle/w1-${'ab'.repeat(16)}/3`)).toBe(1);
  expect(rtmptOwner(`/send/w12-${'ab'.repeat(16)}/0`)).toBe(12);
  expect(rtmptOwner(`/close/w0-x/9`)).toBe(0);
  for (const other of ['/open/1', `/idle/${'ab'.repeat(16)}/0`, '/health', '/rtmp', `/fcs/ident2`]) expect(rtmptOwner(other)).toBeNull();
  expect(clusterRtmptRoute(2, 4242, '/run/x').socketPath(1)).toBe('/run/x/kazoo-rtmp-gateway-4242-w1.sock');
});

describe('the primary', () => {
  test('forks one worker per index, forwards SIGTERM then SIGINT to each, exits 0 once all have exited', async () => {
    const { events, workers, cluster, signals } = standIns();
    let t = 0;
    const done = runPrimary({ workers: 3, cluster, signals, now: () => t });
    expect(events).toEqual(['fork 0 pid 101', 'fork 1 pid 102', 'fork 2 pid 103']);
    t = 60_000;
    signals.raise('SIGTERM');
    expect(events.slice(3)).toEqual(['SIGTERM → 101', 'SIGTERM → 102', 'SIGTERM → 103']);
    workers[0].exit(0); // drained
    signals.raise('SIGINT'); // the operator gives up waiting: the two still draining stop at once
    expect(events.slice(6)).toEqual(['SIGINT → 102', 'SIGINT → 103']);
    workers[1].exit(0);
    workers[2].exit(0);
    await expect(done).resolves.toBe(0);
    expect(signals.count()).toBe(0); // its listeners are gone
    expect(events.filter((e) => e.startsWith('fork'))).toHaveLength(3); // nothing re-forked during the stop
  });

  test('a worker that dies while serving is re-forked with its index; one that fails at start stops all (exit 1)', async () => {
    const { events, workers, cluster, signals } = standIns();
    const log: string[] = [];
    let t = 0;
    const done = runPrimary({ workers: 2, cluster, signals, now: () => t, minUptimeMs: 5000, log: (l) => log.push(l) });
    t = 10_000;
    workers[1].exit(null, 'SIGKILL');
    expect(events[2]).toBe('fork 1 pid 103');
    expect(log).toEqual(['worker 1 died (signal SIGKILL): forking a new one']);
    t = 11_000;
    workers[2].exit(1); // the new one cannot listen
    expect(events.slice(3)).toEqual(['SIGINT → 101']);
    workers[0].exit(0);
    await expect(done).resolves.toBe(1);
  });
});

/**
 * Real node:cluster: a primary forks two workers that each bind three UDP sockets on port 0 (as the SIP
 * agent and RTP legs do) and report the ports and what they receive. workers.ts is transpiled for them.
 */
describe('real workers', () => {
  let dir = '';
  const children: ChildProcess[] = [];
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kazoo-workers-'));
    const source = readFileSync(path.join(__dirname, 'workers.ts'), 'utf8');
    writeFileSync(path.join(dir, 'workers.js'), ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } }).outputText);
    writeFileSync(
      path.join(dir, 'primary.js'),
      `const cluster = require('node:cluster');
const dgram = require('node:dgram');
const { exclusiveUdpBinds } = require('./workers.js');
if (cluster.isPrimary) {
  const ports = {};
  for (const index of [0, 1]) {
    const w = cluster.fork({ W: String(index) });
    w.on('message', (m) => process.send({ index, ...m }));
  }
  process.on('message', (m) => { if (m === 'stop') for (const w of Object.values(cluster.workers)) w.kill(); });
  cluster.on('exit', () => { if (Object.keys(cluster.workers).length === 0) process.exit(0); });
} else {
  if (process.argv[2] === 'exclusive') exclusiveUdpBinds();
  const sockets = [0, 1, 2].map(() => dgram.createSocket('udp4'));
  let bound = 0;
  for (const s of sockets) {
    s.on('message', (msg) => process.send({ got: msg.toString() }));
    s.bind(0, '127.0.0.1', () => { if (++bound === 3) process.send({ ports: sockets.map((x) => x.address().port) }); });
  }
}
`,
    );
  });
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(mode: 'exclusive' | 'cluster-default') {
    const child = fork(path.join(dir, 'primary.js'), [mode], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    children.push(child);
    const ports: number[][] = [];
    const got: { index: number; got: string }[] = [];
    child.on('message', (m: { index: number; ports?: number[]; got?: string }) => {
      if (m.ports) ports[m.index] = m.ports;
      if (m.got) got.push({ index: m.index, got: m.got });
    });
    const end = Date.now() + 15_000;
    while (!(ports[0] && ports[1]) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(ports[0] && ports[1]).toBeTruthy();
    // one datagram to each port of each worker, saying whose port it is
    const sender = createSocket('udp4');
    for (const index of [0, 1]) for (const port of ports[index]) sender.send(`${index}`, port, '127.0.0.1');
    const end2 = Date.now() + 5000;
    while (got.length < 6 && Date.now() < end2) await new Promise((r) => setTimeout(r, 20));
    sender.close();
    child.send('stop');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    return { ports, got };
  }

  test('with exclusiveUdpBinds each worker has its own ports and receives its own packets', async () => {
    const { ports, got } = await run('exclusive');
    expect(new Set([...ports[0], ...ports[1]]).size).toBe(6);
    expect(got).toHaveLength(6);
    for (const g of got) expect(g.got).toBe(String(g.index));
  });

  test('without it (control) node:cluster gives the two workers the same sockets: the collision it prevents', async () => {
    const { ports } = await run('cluster-default');
    expect(ports[1]).toEqual(ports[0]);
  });
});

/**
 * The real CLI (gateway and protocol transpiled by bench/rtmp/compile.mjs) with `--workers 2`: two worker
 * processes, both on the RTMP and the HTTP port, RTMPT sessions answered whichever worker a request
 * reaches, every signal to the primary reaching both, all gone after.
 */
describe('kazoo-rtmp-gateway --workers 2', () => {
  let out = '';
  let primary: ChildProcess | null = null;
  const root = path.join(__dirname, '..');
  beforeAll(() => {
    const script = `import { compileGateway } from ${JSON.stringify(path.join(root, 'bench/rtmp/compile.mjs'))}; process.stdout.write(compileGateway(${JSON.stringify(root)}).out);`;
    out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  }, 90_000);
  afterAll(() => {
    if (primary?.pid && primary.exitCode === null) process.kill(primary.pid, 'SIGKILL');
    if (out) rmSync(out, { recursive: true, force: true });
  });

  const childrenOf = (pid: number): number[] => {
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  /** starts the CLI with two workers; resolves once both listen */
  async function startTwo(extra: string[] = []) {
    // port 0: the kernel picks free ports (node:cluster gives both workers the same ones, read from their
    // log); numbers guessed in advance can be taken by the time the workers bind under parallel load
    const args = ['--workers', '2', '--rtmp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--sip-server', '127.0.0.1:9', '--log-level', 'info', ...extra];
    const child = spawn(process.execPath, [path.join(out, 'gateway/cli.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    primary = child;
    const state = { log: '' };
    child.stdout!.on('data', (d) => (state.log += d));
    child.stderr!.on('data', (d) => (state.log += d));
    const end = Date.now() + 20_000;
    while ((state.log.match(/listening: /g) ?? []).length < 2 && Date.now() < end && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    // say why at once (exit code and the CLI's own log) rather than through a later assertion
    if ((state.log.match(/listening: /g) ?? []).length < 2) throw new Error(`--workers 2 did not start (exit ${child.exitCode}):\n${state.log}`);
    const rtmp = Number(/rtmp:\/\/127\.0\.0\.1:(\d+)\/sip/.exec(state.log)?.[1]);
    const http = Number(/ws:\/\/127\.0\.0\.1:(\d+)\/rtmp/.exec(state.log)?.[1]);
    return { child, rtmp, http, state };
  }

  /** one RTMPT POST on a connection of its own (node:cluster hands consecutive connections to the workers in turn) */
  const rtmptPost = (port: number, path: string): Promise<{ status: number; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: { 'Content-Type': 'application/x-fcs', 'Content-Length': '0' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      });
      req.setTimeout(5000, () => req.destroy(new Error(`POST ${path}: no answer in 5 s`)));
      req.on('error', reject);
      req.end();
    });

  test('RTMPT sessions opened on either worker are served whichever worker each request reaches', async () => {
    const { child, http } = await startTwo();
    try {
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const open = await rtmptPost(http, '/open/1');
        expect(open.status).toBe(200);
        ids.push(open.body.toString().trim());
      }
      // both workers opened sessions: each serves the HTTP port
      expect(new Set(ids.map((id) => /^w(\d)-[0-9a-f]{32}$/.exec(id)?.[1]))).toEqual(new Set(['0', '1']));
      for (const id of ids) {
        // four requests on four connections: some reach the other worker, which forwards them
        for (let seq = 0; seq < 4; seq++) {
          const idle = await rtmptPost(http, `/idle/${id}/${seq}`);
          expect(idle.status).toBe(200);
          expect(idle.body.length).toBe(1); // the polling hint, no RTMP bytes yet
        }
        expect((await rtmptPost(http, `/idle/${id}/9`)).status).toBe(400); // the owner's sequence check, through a forward or not
        expect((await rtmptPost(http, `/close/${id}/4`)).status).toBe(200);
        expect((await rtmptPost(http, `/idle/${id}/5`)).status).toBe(404); // closed: unknown on both workers
      }
      expect((await rtmptPost(http, `/idle/w7-${'0'.repeat(32)}/0`)).status).toBe(404); // no such worker
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
    }
    // each worker removed its forwarding socket
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith(`kazoo-rtmp-gateway-${child.pid}-`))).toEqual([]);
  });

  test('an RTMP client over RTMPT, every request on a new connection (so half reach the other worker), connects and publishes', async () => {
    const { child, http } = await startTwo(['--allow-unregistered']);
    // fetch for the RTMPT client with no keep-alive: node:cluster deals each request's connection to the next worker
    const fetchEach: FetchLike = (url, init) =>
      new Promise((resolve, reject) => {
        const body = Buffer.from(init.body);
        const req = httpRequest(url, { method: init.method, agent: false, headers: { ...init.headers, 'Content-Length': String(body.length) }, signal: init.signal }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const all = Buffer.concat(chunks);
            const status = res.statusCode ?? 0;
            resolve({ ok: status >= 200 && status < 300, status, arrayBuffer: async () => all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) });
          });
        });
        req.on('error', reject);
        req.end(body);
      });
    const client = new RtmpClient(await openRtmpt(`http://127.0.0.1:${http}`, { fetch: fetchEach }));
    try {
      await client.connect('rtmp://127.0.0.1/sip/alice@example.test', 'alice', '', 'Alice', 'narrowband');
      const stream = await client.createStream();
      await expect(stream.publish('local')).resolves.toMatchObject({ code: 'NetStream.Publish.Start' });
    } finally {
      client.close();
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
    }
  });

  test('SIGTERM to the primary drains both workers; the primary exits 0 after them', async () => {
    const { http, rtmp, state } = await startTwo(['--drain-idle-delay', '0']);
    const log = (): string => state.log;
    const workers = childrenOf(primary!.pid!);
    if (workers.length !== 2) throw new Error(`expected the primary's 2 workers, found [${workers}] (primary exit ${primary!.exitCode}):\n${log()}`);
    const listening = log().split('\n').filter((l) => l.includes('listening: '));
    expect(listening).toHaveLength(2);
    // both serve RTMP and HTTP
    expect(listening.filter((l) => l.includes(`ws://127.0.0.1:${http}/rtmp`))).toHaveLength(2);
    expect(listening.every((l) => l.includes(`rtmp://127.0.0.1:${rtmp}/sip`))).toBe(true);
    const health = await fetch(`http://127.0.0.1:${http}/health`);
    expect(health.status).toBe(200);

    const exited = new Promise<number | null>((r) => primary!.once('exit', (code) => r(code)));
    primary!.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(log()).toContain('SIGTERM: forwarded to 2 worker(s)');
    expect(log().match(/drained in /g)).toHaveLength(2); // each worker drained
    for (const pid of workers) expect(alive(pid)).toBe(false);
  });
});
