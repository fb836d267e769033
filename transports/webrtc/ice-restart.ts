import type { Clock } from '../../protocol/clock';

/**
 * An answered call whose media path went away under it: the phone's address changed (a new address on
 * the interface, the old one removed; Wi-Fi ↔ wired; a VPN), so every ICE candidate pair it had is dead.
 * The browser does not find the new path by itself (it gathers candidates once; RFC 8445 §9: only an
 * ICE restart gathers and checks new ones), and it says nothing quickly either: measured in the lab
 * (test/e2e/survival-path.e2e.test.ts), Chromium's iceConnectionState stays `connected` for seconds
 * after the address is gone, `online` does not fire, and the SIP WebSocket, bound to the old address,
 * stays OPEN and dead.
 *
 * So the monitor watches what the call receives: the inbound audio packet count, read every `pollMs`.
 * No growth for `stallMs` (not on hold), or ICE reporting `disconnected`/`failed`, means the path is
 * gone. Then (the Telnyx rule, research/call-survival.md §6.1.5): when the signalling answers a
 * keep-alive within `probeMs`, an ICE-restart re-INVITE goes out on it at once; when it does not, the
 * connection is replaced (it most likely died with the old address). Once the dialog has been
 * refreshed over the new connection (`reconnected()`), the old candidate pair gets `graceMs` to carry
 * media again before the ICE restart: after a link that went down and came back with the same address
 * the old pair resumes by itself within ~0.1 s (measured), while a restart right at link-up was harmful
 * (Chromium learns that its network is back only ~2 s later, so the restart gathered nothing usable and
 * the call stayed silent). While the media stays gone, the next try comes `retryMs` later; the media
 * watchdog still ends a call that never recovers.
 */
export interface IceRestartOptions {
  /** how often the inbound packet count is read while the call is up */
  pollMs: number;
  /** no inbound audio for this long (the far end sends 50 packets a second) = the media path is gone */
  stallMs: number;
  /** the signalling is alive when the server answers a keep-alive within this */
  probeMs: number;
  /** from one recovery attempt to the next while the media stays gone */
  retryMs: number;
  /** after a reconnect and dialog refresh: time for the old candidate pair to carry media again */
  graceMs: number;
}

/**
 * Audio back within about a second of an address change: ≤ 0.8 s to notice, ≤ 0.3 s for the keep-alive,
 * then one round trip for the re-INVITE and one for the ICE checks. A real network whose round trip
 * exceeds `probeMs` gets a new connection instead of a re-INVITE on the old one: slower, still correct.
 */
export const ICE_RESTART_DEFAULTS: IceRestartOptions = { pollMs: 200, stallMs: 600, probeMs: 300, retryMs: 3000, graceMs: 500 };

export interface IceRestartHooks {
  /** inbound audio packets received so far; null when there is no media connection to ask */
  packetsReceived(): Promise<number | null>;
  /** on hold (either side): silence is expected */
  paused(): boolean;
  /** ICE itself says the path is down (disconnected / failed) */
  iceDown(): boolean;
  /** the socket is open and the dialog usable on it (not waiting for its refresh after a reconnect) */
  signallingUp(): boolean;
  /** a keep-alive on the socket: true when the server answered within timeoutMs */
  probe(timeoutMs: number): Promise<boolean>;
  /** sends the ICE-restart re-INVITE on the current connection */
  restart(): Promise<unknown>;
  /** the connection did not answer: replace it (the refresh after reconnecting restarts ICE) */
  replaceConnection(reason: string): void;
}

export class IceRestartMonitor {
  private timer: unknown = null;
  private running = false;
  private lastPackets = -1;
  private lastGrowth = 0;
  /** no recovery attempt before this time */
  private nextAttemptAt = -Infinity;
  private recovering = false;
  private gone = false;

  constructor(private readonly clock: Clock, private readonly hooks: IceRestartHooks, private readonly options = ICE_RESTART_DEFAULTS) {}

  /** the media path is gone (no audio for stallMs, or ICE says so) */
  get stalled(): boolean { return this.gone; }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastPackets = -1;
    this.lastGrowth = this.clock.now();
    this.timer = this.clock.setInterval(() => void this.check(), this.options.pollMs);
  }

  stop(): void {
    this.running = false;
    if (this.timer !== null) this.clock.clearInterval(this.timer);
    this.timer = null;
  }

  /** something hinted at a change (ICE state, the network): look now rather than at the next poll */
  nudge(): void {
    if (this.running) void this.check();
  }

  /** the dialog was refreshed over a new connection: the old pair gets `graceMs`, then ICE restarts */
  reconnected(): void {
    this.nextAttemptAt = this.clock.now() + this.options.graceMs;
  }

  private async check(): Promise<void> {
    let packets: number | null = null;
    try {
      packets = await this.hooks.packetsReceived();
    } catch { /* a closed connection: counts as no growth */ }
    if (!this.running) return;
    const now = this.clock.now();
    if (this.hooks.paused() || (packets !== null && packets > this.lastPackets)) {
      if (packets !== null) this.lastPackets = Math.max(this.lastPackets, packets);
      this.lastGrowth = now;
      if (!this.hooks.iceDown()) {
        this.gone = false;
        return;
      }
    }
    if (!this.hooks.iceDown() && now - this.lastGrowth < this.options.stallMs) return;
    this.gone = true;
    await this.recover(now);
  }

  private async recover(now: number): Promise<void> {
    if (this.recovering || now < this.nextAttemptAt) return;
    // the socket is down or its dialog not refreshed yet: wait for that (then reconnected())
    if (!this.hooks.signallingUp()) return;
    this.recovering = true;
    this.nextAttemptAt = now + this.options.retryMs;
    try {
      const alive = await this.hooks.probe(this.options.probeMs);
      if (!this.running) return;
      if (alive) await this.hooks.restart();
      else this.hooks.replaceConnection(`media gone and no answer to a keep-alive within ${this.options.probeMs} ms (network change?)`);
    } finally {
      this.recovering = false;
    }
  }
}
