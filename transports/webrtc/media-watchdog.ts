import type { Clock } from '../../protocol/clock';
import { InboundAudioSilence, type InboundAudioSource } from './inbound-audio';

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

export interface MediaWatchdogHooks extends InboundAudioSource {
  /** the media has been silent for `silentMs` (the watchdog has stopped) */
  dead(silentMs: number): void;
}

export class MediaWatchdog {
  private timer: unknown = null;
  private running = false;
  private readonly silence: InboundAudioSilence;

  constructor(private readonly clock: Clock, private readonly hooks: MediaWatchdogHooks, private readonly options = MEDIA_WATCHDOG_DEFAULTS) {
    this.silence = new InboundAudioSilence(clock, hooks);
  }

  get isRunning(): boolean { return this.running; }

  start(): void {
    if (this.running || this.options.timeoutMs <= 0) return;
    this.running = true;
    this.silence.reset();
    this.timer = this.clock.setInterval(() => void this.check(), Math.min(this.options.pollMs, this.options.timeoutMs));
  }

  stop(): void {
    this.running = false;
    if (this.timer !== null) this.clock.clearInterval(this.timer);
    this.timer = null;
  }

  private async check(): Promise<void> {
    const silent = await this.silence.silentMs();
    if (!this.running) return;
    if (silent >= this.options.timeoutMs) {
      this.stop();
      this.hooks.dead(silent);
    }
  }
}
