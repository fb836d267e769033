/**
 * `kazoo-rtmp-gateway --workers N`: N gateway processes on one machine (node:cluster), so that every core
 * carries calls. The workers share the RTMP listening port (the primary hands each new connection to one
 * of them); a connection, its SIP registration and its calls live in that one worker from start to end.
 *
 * What must not be shared:
 * - UDP. node:cluster routes a worker's `dgram` bind through the primary and keys the shared handle by
 *   (address, port, n-th bind in this worker): two workers binding port 0 for their n-th SIP or RTP socket
 *   would get the same socket and read each other's packets. `exclusiveUdpBinds()` makes every bind in a
 *   worker its own (the kernel picks a free port per socket, so each worker's SIP ports and RTP ports are
 *   its own), including the ICE sockets werift opens for WebRTC-profile calls.
 * - RTMPT sessions. Every worker serves the HTTP port too (a WebSocket tunnel is one connection, so one
 *   worker), but an RTMPT session is a series of requests the primary may hand to different workers: its
 *   id names the worker that opened it, and the others forward its requests there (`rtmpt-workers.ts`).
 *
 * The primary carries no call: it forwards SIGTERM (each worker drains, `drain.ts`) and SIGINT (each stops)
 * to every worker, re-forks a worker that died while serving, and exits once all workers have exited.
 */
import { Socket as UdpSocket } from 'node:dgram';

/** `auto` = one worker per core */
export type WorkerCount = number | 'auto';

/** environment variable carrying a worker's index (0 … N-1) from the primary to the worker */
export const WORKER_INDEX_ENV = 'KAZOO_GATEWAY_WORKER';

export function resolveWorkerCount(count: WorkerCount, cores: number): number {
  return count === 'auto' ? Math.max(1, cores) : count;
}

/** this process's worker index, or null when it is not a gateway worker */
export function workerIndex(env: NodeJS.ProcessEnv = process.env): number | null {
  const raw = env[WORKER_INDEX_ENV];
  if (raw === undefined || !/^\d+$/.test(raw)) return null;
  return Number(raw);
}

type BindArgs = unknown[];

/** bind(port, address, cb) / bind(options, cb) → the same with `exclusive: true` */
export function exclusiveBindArgs(args: BindArgs): BindArgs {
  const rest = [...args];
  const callback = typeof rest[rest.length - 1] === 'function' ? rest.pop() : undefined;
  let options: Record<string, unknown>;
  if (rest.length > 0 && typeof rest[0] === 'object' && rest[0] !== null) options = { ...(rest[0] as Record<string, unknown>) };
  else {
    options = { port: rest[0] ?? 0 };
    if (typeof rest[1] === 'string') options.address = rest[1];
  }
  options.exclusive = true;
  return callback ? [options, callback] : [options];
}

let patched = false;

/** In a cluster worker: every UDP socket this process binds is its own, never a handle shared through the primary. */
export function exclusiveUdpBinds(): void {
  if (patched) return;
  patched = true;
  const bind = UdpSocket.prototype.bind as (...args: BindArgs) => UdpSocket;
  (UdpSocket.prototype as unknown as { bind: (...args: BindArgs) => UdpSocket }).bind = function (this: UdpSocket, ...args: BindArgs) {
    return bind.apply(this, exclusiveBindArgs(args));
  };
}

/** What the primary needs of node:cluster and of its own process (a test gives stand-ins that record). */
export interface ClusterLike {
  fork(env: NodeJS.ProcessEnv): WorkerLike;
}
export interface WorkerLike {
  readonly process: { readonly pid?: number; kill(signal: NodeJS.Signals): unknown };
  on(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
}
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

export interface PrimaryOptions {
  readonly workers: number;
  readonly cluster: ClusterLike;
  readonly signals: SignalSource;
  readonly log?: (line: string) => void;
  /** a worker that dies sooner than this after its fork is not re-forked (it cannot start: the primary gives up) */
  readonly minUptimeMs?: number;
  readonly now?: () => number;
}

/**
 * Forks the workers and runs until all of them exited after a signal; resolves with the exit code: 0 when
 * every worker ended cleanly, 1 when one failed to start or exited with an error.
 */
export function runPrimary(options: PrimaryOptions): Promise<number> {
  const { cluster, signals } = options;
  const log = options.log ?? (() => undefined);
  const now = options.now ?? Date.now;
  const minUptimeMs = options.minUptimeMs ?? 5000;
  const live = new Map<number, WorkerLike>(); // index → worker
  let stopping = false;
  let failed = false;

  return new Promise((resolve) => {
    const finish = (): void => {
      if (live.size > 0) return;
      signals.off('SIGTERM', onTerm);
      signals.off('SIGINT', onInt);
      resolve(failed ? 1 : 0);
    };
    const forward = (signal: NodeJS.Signals): void => {
      stopping = true;
      log(`${signal}: forwarded to ${live.size} worker(s)`);
      for (const worker of live.values()) {
        try {
          worker.process.kill(signal);
        } catch {
          /* already gone: its exit event follows */
        }
      }
    };
    const onTerm = (): void => forward('SIGTERM');
    const onInt = (): void => forward('SIGINT');
    signals.on('SIGTERM', onTerm);
    signals.on('SIGINT', onInt);

    const fork = (index: number): void => {
      const forkedAt = now();
      const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(index) });
      live.set(index, worker);
      worker.on('exit', (code, signal) => {
        if (live.get(index) === worker) live.delete(index);
        const how = signal ? `signal ${signal}` : `code ${code}`;
        if (stopping) {
          if (code !== 0 && code !== null) failed = true;
          return finish();
        }
        if (now() - forkedAt < minUptimeMs) {
          // it could not start (a port in use, a bad flag): re-forking would loop; stop the others
          log(`worker ${index} exited at start (${how}): stopping`);
          failed = true;
          forward('SIGINT');
          return finish();
        }
        log(`worker ${index} died (${how}): forking a new one`);
        fork(index);
      });
    };
    for (let i = 0; i < options.workers; i++) fork(i);
  });
}
