import type { Clock } from '../../protocol/clock';

export interface LivenessOptions {
  /** from one answered probe to the next probe */
  intervalMs: number;
  /** a probe unanswered this long means the connection is dead */
  timeoutMs: number;
}

/**
 * A gateway behind a tunnel can die while the tunnel lives on (rtmplite's rtmpt.py keeps answering
 * polls for a killed siprtmp.py; a WebSocket stays open to a stalled process), so no close ever comes.
 * One small probe every 4 s with a 3 s deadline bounds the time from the last answer to `disconnected`
 * at 7 s (docs/api.md), for a few dozen bytes each way.
 */
export const LIVENESS_DEFAULTS: LivenessOptions = { intervalMs: 4000, timeoutMs: 3000 };

export interface LivenessHooks {
  /** the transport's keep-alive (Transport.probe): true when the server answered */
  probe(timeoutMs: number): Promise<boolean>;
  /** a probe went unanswered: the connection is dead (the monitor has stopped) */
  dead(): void;
}

/**
 * Probes a live connection at a steady pace, one probe at a time. The deadline is the monitor's own
 * (on the injected clock), whatever the transport's probe does with its timeout, so the bound holds
 * exactly and tests drive it with fake time.
 */
export class LivenessMonitor {
  private timer: unknown = null;
  private deadline: unknown = null;
  /** bumped by start/stop: answers to an older round's probe are ignored */
  private round = 0;
  private running = false;

  constructor(private readonly clock: Clock, private readonly hooks: LivenessHooks, private readonly options: LivenessOptions = LIVENESS_DEFAULTS) {}

  get isRunning(): boolean { return this.running; }

  /** (re)starts: the first probe goes out one interval from now */
  start(): void {
    this.stop();
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.round++;
    this.clock.clearTimeout(this.timer);
    this.clock.clearTimeout(this.deadline);
    this.timer = this.deadline = null;
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => this.probe(), this.options.intervalMs);
  }

  private probe(): void {
    this.timer = null;
    const round = ++this.round;
    this.deadline = this.clock.setTimeout(() => this.settle(round, false), this.options.timeoutMs);
    this.hooks.probe(this.options.timeoutMs).then(
      (alive) => this.settle(round, alive),
      () => this.settle(round, false),
    );
  }

  private settle(round: number, alive: boolean): void {
    if (!this.running || round !== this.round) return;
    this.round++;
    this.clock.clearTimeout(this.deadline);
    this.deadline = null;
    if (alive) {
      this.schedule();
      return;
    }
    this.stop();
    this.hooks.dead();
  }
}
