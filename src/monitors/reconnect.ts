import type { Clock } from '../../protocol/clock';

export interface ReconnectOptions {
  /** -1 (or any negative) = forever, 0 = no automatic attempts, n = at most n attempts */
  maxAttempts: number;
  /** between two attempts, milliseconds */
  delayMs: number;
  /** before the first attempt after an unexpected disconnect ("shortly after", the 2014 document says) */
  firstDelayMs: number;
  /** an attempt that neither succeeded nor failed by then counts as failed (a connect that hangs) */
  attemptTimeoutMs: number;
}

export interface ReconnectHooks {
  /** make attempt number `attempt` (1-based); report its outcome with succeeded() / failed() */
  attempt(attempt: number): void;
  /** every allowed attempt failed */
  exhausted(): void;
}

/** The documented defaults and bounds of `reconnectMaxAttempts` / `reconnectDelay`. */
export const RECONNECT_DEFAULTS = { maxAttempts: -1, delayMs: 5000, minDelayMs: 2000, firstDelayMs: 500, attemptTimeoutMs: 15000 };

/**
 * Reads the legacy options: `reconnectMaxAttempts` as the 2014 code did (NaN → -1, else an integer);
 * `reconnectDelay` in milliseconds with a floor of 2000 — except that values below 100 are taken as
 * seconds, since later versions of the original library took seconds and pages carry both.
 */
export function reconnectOptionsFrom(maxAttempts: unknown, delay: unknown): ReconnectOptions {
  const parsed = Number.parseInt(String(maxAttempts), 10);
  const max = Number.isNaN(parsed) ? RECONNECT_DEFAULTS.maxAttempts : parsed;
  let ms = Number(delay);
  if (delay === undefined || delay === null || delay === '' || !Number.isFinite(ms) || ms <= 0) ms = RECONNECT_DEFAULTS.delayMs;
  else if (ms < 100) ms *= 1000;
  ms = Math.max(RECONNECT_DEFAULTS.minDelayMs, Math.round(ms));
  return {
    maxAttempts: max,
    delayMs: ms,
    firstDelayMs: Math.min(RECONNECT_DEFAULTS.firstDelayMs, ms),
    attemptTimeoutMs: Math.max(RECONNECT_DEFAULTS.attemptTimeoutMs, ms),
  };
}

/**
 * The auto-reconnect state machine shared by every transport. It only decides *when* to try; the
 * engine's `attempt` hook does the trying and reports back. Every timer it starts is kept and
 * cleared, so a stop() really stops (the 2014 code could not cancel its retries).
 */
export class ReconnectMonitor {
  private timer: unknown = null;
  private watchdog: unknown = null;
  private running = false;
  private inFlight = false;
  /** number of the last attempt made (manual ones included), for reconnecting_notification */
  attempt = 0;

  constructor(private options: ReconnectOptions, private readonly clock: Clock, private readonly hooks: ReconnectHooks) {}

  get isRunning(): boolean { return this.running; }

  /** whether the automatic triggers may start attempts (`reconnectMaxAttempts` other than 0) */
  get isAutomatic(): boolean { return this.options.maxAttempts !== 0; }

  setOptions(options: ReconnectOptions): void { this.options = options; }

  /**
   * Starts the automatic attempts (no-op while already running). `explicit` is a page's own
   * startAutoReconnect(): with reconnectMaxAttempts 0 it still makes one attempt, since only the
   * automatic triggers are disabled by 0. `firstDelayMs` overrides the options' first delay (a call in
   * progress reconnects at once).
   */
  start(explicit = false, firstDelayMs = this.options.firstDelayMs): boolean {
    if (this.running) return false;
    if (!this.isAutomatic && !explicit) return false;
    this.running = true;
    this.attempt = 0;
    this.schedule(firstDelayMs);
    return true;
  }

  stop(): void {
    this.running = false;
    this.inFlight = false;
    this.clear();
  }

  /** A page's own reconnect(): counts as the next attempt, and its outcome feeds the running cycle. */
  manual(): number {
    this.clear();
    this.inFlight = true;
    this.attempt += 1;
    this.armWatchdog();
    return this.attempt;
  }

  succeeded(): void {
    this.attempt = 0;
    this.stop();
  }

  failed(): void {
    if (!this.inFlight) return;
    this.inFlight = false;
    this.clear();
    if (!this.running) return;
    const max = this.options.maxAttempts === 0 ? 1 : this.options.maxAttempts;
    if (max < 0 || this.attempt < max) this.schedule(this.options.delayMs);
    else {
      this.stop();
      this.hooks.exhausted();
    }
  }

  private schedule(ms: number): void {
    this.clear();
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      if (!this.running) return;
      this.inFlight = true;
      this.attempt += 1;
      this.armWatchdog();
      this.hooks.attempt(this.attempt);
    }, ms);
  }

  private armWatchdog(): void {
    this.watchdog = this.clock.setTimeout(() => {
      this.watchdog = null;
      this.failed();
    }, this.options.attemptTimeoutMs);
  }

  private clear(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    if (this.watchdog !== null) this.clock.clearTimeout(this.watchdog);
    this.timer = null;
    this.watchdog = null;
  }
}
