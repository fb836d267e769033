import type { Clock } from '../../protocol/clock';

/**
 * A call whose media died while its signalling is fine (the media relay stopped, the far end's media
 * blocked, a path that never came back) would otherwise stay "up" for ever: Chromium's ICE may sit in
 * `disconnected` without reaching `failed`, and no BYE comes. The watchdog reads the inbound RTP packet
 * count every `pollMs`; when it has not grown for `timeoutMs` (and the call is not on hold) the call is
 * declared dead.
 */
export interface MediaWatchdogOptions {
  /** no inbound audio packets for this long ends the call; 0 = never */
  timeoutMs: number;
  pollMs: number;
}

export const MEDIA_WATCHDOG_DEFAULTS: MediaWatchdogOptions = { timeoutMs: 30_000, pollMs: 1000 };

export interface MediaWatchdogHooks {
  /** inbound audio packets received so far; null when there is no media connection to ask */
  packetsReceived(): Promise<number | null>;
  /** on hold (either side): silence is expected */
  paused(): boolean;
  /** the media has been silent for `silentMs` (the watchdog has stopped) */
  dead(silentMs: number): void;
}

export class MediaWatchdog {
  private timer: unknown = null;
  private lastPackets = -1;
  private lastGrowth = 0;
  private running = false;

  constructor(private readonly clock: Clock, private readonly hooks: MediaWatchdogHooks, private readonly options = MEDIA_WATCHDOG_DEFAULTS) {}

  get isRunning(): boolean { return this.running; }

  start(): void {
    if (this.running || this.options.timeoutMs <= 0) return;
    this.running = true;
    this.lastPackets = -1;
    this.lastGrowth = this.clock.now();
    this.timer = this.clock.setInterval(() => void this.check(), Math.min(this.options.pollMs, this.options.timeoutMs));
  }

  stop(): void {
    this.running = false;
    if (this.timer !== null) this.clock.clearInterval(this.timer);
    this.timer = null;
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
      return;
    }
    const silent = now - this.lastGrowth;
    if (silent >= this.options.timeoutMs) {
      this.stop();
      this.hooks.dead(silent);
    }
  }
}

/** inbound audio packets of a peer connection, from getStats() */
export async function inboundAudioPackets(pc: RTCPeerConnection | null | undefined): Promise<number | null> {
  if (!pc || pc.connectionState === 'closed') return null;
  const report = await pc.getStats();
  let packets = 0;
  report.forEach((s: { type?: string; kind?: string; packetsReceived?: number }) => {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') packets += s.packetsReceived ?? 0;
  });
  return packets;
}
