// Reconnection delays: exponential growth capped at a maximum, with "equal jitter" (half fixed, half
// random) so that many clients cut off by the same server restart do not come back in lockstep.

export interface BackoffOptions {
  /** Delay before the first retry, in ms. */
  minDelay: number;
  maxDelay: number;
  factor: number;
  /** Returns a number in [0, 1). Injected by tests. */
  random?: () => number;
}

export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const exponent = Math.max(0, attempt - 1);
  const base = Math.min(options.maxDelay, options.minDelay * options.factor ** exponent);
  const random = options.random ?? Math.random;
  return Math.round(base / 2 + random() * (base / 2));
}
