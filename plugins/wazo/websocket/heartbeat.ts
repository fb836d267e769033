// Application-level keepalive for protocol v2: a `ping` every `delay` ms, and the connection is declared
// dead when no `pong` comes back within `timeout` ms. Unlike the original (which stopped after 3 pings),
// it keeps going for the life of the connection: a half-open TCP connection (peer gone, no FIN) sends no
// close event, and only a missing answer reveals it.

export interface HeartbeatOptions {
  delay: number;
  timeout: number;
}

export class Heartbeat {
  private pingTimer: ReturnType<typeof setTimeout> | null = null;
  private deadline: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly options: HeartbeatOptions,
    private readonly sendPing: () => void,
    private readonly onTimeout: () => void,
  ) {}

  get running(): boolean {
    return this.pingTimer !== null || this.deadline !== null;
  }

  start(): void {
    this.stop();
    this.schedule();
  }

  stop(): void {
    if (this.pingTimer !== null) clearTimeout(this.pingTimer);
    if (this.deadline !== null) clearTimeout(this.deadline);
    this.pingTimer = null;
    this.deadline = null;
  }

  /** A pong arrived: the connection is alive, plan the next ping. */
  onPong(): void {
    if (this.deadline === null) return;
    clearTimeout(this.deadline);
    this.deadline = null;
    this.schedule();
  }

  private schedule(): void {
    this.pingTimer = setTimeout(() => {
      this.pingTimer = null;
      this.deadline = setTimeout(() => {
        this.deadline = null;
        this.onTimeout();
      }, this.options.timeout);
      this.sendPing();
    }, this.options.delay);
  }
}
