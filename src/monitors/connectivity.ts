import type { Clock } from '../../protocol/clock';
import type { ConnectivityRecord } from '../catalogue/events';

/** What the monitor needs of its surroundings: a browser window, or nothing at all in Node. */
export interface NetworkEnvironment {
  /** navigator.onLine; undefined where there is no such thing (Node) */
  isOnline(): boolean | undefined;
  addEventListener?(type: 'online' | 'offline', fn: () => void): void;
  removeEventListener?(type: 'online' | 'offline', fn: () => void): void;
}

export interface ConnectivityHandlers {
  change(record: ConnectivityRecord): void;
  /** the timers stood still for a while: the machine slept (laptop lid) or the tab was frozen */
  wake(sleptMs: number): void;
}

export const CONNECTIVITY_DEFAULTS = { tickMs: 1000, wakeThresholdMs: 4000, historyLength: 100 };

/**
 * Watches online/offline (the events, and navigator.onLine on a timer, because some browsers miss
 * events) and detects waking from sleep by timer drift: a 1 s tick that arrives many seconds late
 * means the process was suspended. It never decides whether to connect; navigator.onLine is a hint
 * (Chromium says offline on a loopback-only host that reaches its server fine).
 */
export class ConnectivityMonitor {
  readonly history: ConnectivityRecord[] = [];
  private timer: unknown = null;
  private last: boolean | undefined;
  private lastTick = 0;
  // the event only says "look again": navigator.onLine is already updated when it fires
  private readonly onOnline = () => this.check(this.env.isOnline() ?? true);
  private readonly onOffline = () => this.check(this.env.isOnline() ?? false);

  constructor(
    private readonly env: NetworkEnvironment,
    private readonly clock: Clock,
    private readonly handlers: ConnectivityHandlers,
    private readonly options = CONNECTIVITY_DEFAULTS,
  ) {}

  start(): void {
    if (this.timer !== null) return;
    this.last = this.env.isOnline();
    this.lastTick = this.clock.now();
    this.env.addEventListener?.('online', this.onOnline);
    this.env.addEventListener?.('offline', this.onOffline);
    this.timer = this.clock.setInterval(() => this.tick(), this.options.tickMs);
  }

  stop(): void {
    if (this.timer === null) return;
    this.clock.clearInterval(this.timer);
    this.timer = null;
    this.env.removeEventListener?.('online', this.onOnline);
    this.env.removeEventListener?.('offline', this.onOffline);
  }

  private tick(): void {
    const now = this.clock.now();
    const late = now - this.lastTick - this.options.tickMs;
    this.lastTick = now;
    this.check(this.env.isOnline());
    if (late >= this.options.wakeThresholdMs) this.handlers.wake(late);
  }

  private check(online: boolean | undefined): void {
    if (online === undefined || online === this.last) return;
    this.last = online;
    const record: ConnectivityRecord = { status: online ? 'online' : 'offline', time: new Date(this.clock.now()) };
    this.history.push(record);
    if (this.history.length > this.options.historyLength) this.history.shift();
    this.handlers.change(record);
  }
}
