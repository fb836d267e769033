/**
 * Draining one gateway instance (SIGTERM, a rolling restart behind a load balancer): it stops taking new
 * connections at once, keeps its calls until they end or the drain timeout, and closes the sessions that
 * have no call so their clients re-register through the load balancer on another instance. Only after
 * `idleDelayMs`: the load balancer's health check must have marked this instance down first, or the
 * reconnects would come straight back here (docs/deployment.md).
 */

export interface DrainTarget {
  /** no new connections from now on (TCP listener closed, tunnels refuse new sessions, health says draining) */
  stopAccepting(): void;
  /** calls still up, including one being placed or a transfer being followed */
  activeCalls(): number;
  /** closes (and un-REGISTERs) every session without a call; returns how many it closed */
  closeIdleSessions(): number;
  /** ends what is left (calls get their BYE) and closes everything */
  stop(): Promise<void>;
}

export interface DrainOptions {
  /** calls still up after this are ended (BYE) and the instance stops anyway */
  readonly timeoutMs: number;
  /** sessions without a call are closed from this long after the drain began */
  readonly idleDelayMs: number;
  /** how often the call count is read (no event is needed from the sessions; cheap at any size) */
  readonly pollMs?: number;
  /** aborted (SIGINT, a second SIGTERM): stop now, as if the timeout had come */
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
  readonly now?: () => number;
  readonly wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface DrainOutcome {
  /** 'drained': every call ended by itself; 'timeout' / 'aborted': calls still up were ended */
  readonly reason: 'drained' | 'timeout' | 'aborted';
  /** calls ended by the stop (0 when drained) */
  readonly callsEnded: number;
  /** sessions without a call that were closed to move their clients */
  readonly sessionsMoved: number;
  readonly ms: number;
}

/** resolves after `ms`, or at once when `signal` aborts */
function abortableWait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}

export async function drain(target: DrainTarget, options: DrainOptions): Promise<DrainOutcome> {
  if (!(options.timeoutMs >= 0) || !(options.idleDelayMs >= 0)) throw new RangeError('drain: timeoutMs and idleDelayMs must be ≥ 0');
  const now = options.now ?? Date.now;
  const wait = options.wait ?? abortableWait;
  const pollMs = options.pollMs ?? 250;
  const log = options.log ?? (() => undefined);
  const started = now();
  const deadline = started + options.timeoutMs;
  const idleFrom = started + options.idleDelayMs;
  let sessionsMoved = 0;

  target.stopAccepting();
  log(`draining: no new connections; ${target.activeCalls()} call(s) kept up to ${Math.round(options.timeoutMs / 1000)} s; sessions without a call closed after ${options.idleDelayMs} ms`);
  let reason: DrainOutcome['reason'] = 'drained';
  for (;;) {
    const t = now();
    if (t >= idleFrom) {
      // again at every poll: a session whose call just ended has nothing left to keep it here
      const closed = target.closeIdleSessions();
      if (closed) log(`draining: closed ${closed} session(s) without a call (their clients re-register elsewhere)`);
      sessionsMoved += closed;
      if (target.activeCalls() === 0) break;
    }
    if (options.signal?.aborted) {
      reason = 'aborted';
      break;
    }
    if (t >= deadline) {
      reason = 'timeout';
      break;
    }
    await wait(Math.max(1, Math.min(pollMs, (t < idleFrom ? idleFrom : deadline) - t)), options.signal);
  }
  const callsEnded = target.activeCalls();
  if (reason !== 'drained') log(`draining: ${reason === 'timeout' ? 'drain timeout' : 'stopped at once'}, ending ${callsEnded} call(s)`);
  await target.stop();
  const ms = now() - started;
  log(`drained in ${(ms / 1000).toFixed(1)} s (${reason}; ${sessionsMoved} session(s) moved, ${callsEnded} call(s) ended)`);
  return { reason, callsEnded, sessionsMoved, ms };
}
