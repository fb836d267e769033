import type { Clock } from '../../protocol/clock';
import { InboundAudioSilence, type InboundAudioSource } from './inbound-audio';

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
 * the call stayed silent). While the media stays gone, the next try comes `retryMs` later, or at once
 * when the connection gathered a candidate the far end was not offered yet; the media watchdog still
 * ends a call that never recovers.
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
  /** a dialog refreshed over the connection this recently proves it answers: no keep-alive first */
  provenMs: number;
}

/**
 * After an address change: ≤ 0.8 s to notice, ≤ 0.3 s for the keep-alive (the socket died with the old
 * address: a new connection, its REGISTER and dialog refresh), `graceMs`, then the ICE-restart offer
 * (no keep-alive first: the refresh just proved the connection). Chromium on Linux offers a candidate
 * on the new address only 2.02–2.27 s after the change (its network change notifier tells WebRTC 2 s
 * after the last address event; test/e2e/survival-path.e2e.test.ts), so the offer should be gathering
 * by then: it waits for that candidate (fast-ice.ts, RESTART_GATHER_MS) and goes out the instant it
 * appears. Measured in the lab: the restart's gathering began 1.31–1.71 s after the change, 0.52–0.78 s
 * ahead of Chromium (with a 500 ms grace and a keep-alive first: 1.63–2.17 s, from 0.04 s behind
 * Chromium to 0.40 s ahead; behind, its lateness was added to the audio's).
 * A real network whose round trip exceeds `probeMs` gets a new connection instead of a re-INVITE on the
 * old one: slower, still correct.
 */
export const ICE_RESTART_DEFAULTS: IceRestartOptions = { pollMs: 200, stallMs: 600, probeMs: 300, retryMs: 3000, graceMs: 250, provenMs: 1000 };

export interface IceRestartHooks extends InboundAudioSource {
  /** ICE itself says the path is down (disconnected / failed) */
  iceDown(): boolean;
  /**
   * The connection has a candidate the far end was never offered (no offer in flight): gathered after
   * the last offer went out, e.g. on the new address Chromium learnt of only after an ICE restart's
   * offer had left without it. With the media gone, that is worth a new offer at once.
   */
  unoffered(): boolean;
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
  private readonly silence: InboundAudioSilence;
  /** no recovery attempt before this time (but see `unoffered`) */
  private nextAttemptAt = -Infinity;
  /** none at all before this time: the old pair's grace after a reconnect */
  private graceUntil = -Infinity;
  /** an attempt went out before nextAttemptAt (a candidate not offered): once per outage */
  private earlyUsed = false;
  private recovering = false;
  private gone = false;
  /** when the dialog was last refreshed over a new connection (reconnected()) */
  private refreshedAt = -Infinity;
  /** looks again the moment the grace after a reconnect ends (not up to a poll later) */
  private graceTimer: unknown = null;

  constructor(private readonly clock: Clock, private readonly hooks: IceRestartHooks, private readonly options = ICE_RESTART_DEFAULTS) {
    this.silence = new InboundAudioSilence(clock, hooks);
  }

  /** the media path is gone (no audio for stallMs, or ICE says so) */
  get stalled(): boolean { return this.gone; }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.silence.reset();
    this.timer = this.clock.setInterval(() => void this.check(), this.options.pollMs);
  }

  stop(): void {
    this.running = false;
    if (this.timer !== null) this.clock.clearInterval(this.timer);
    if (this.graceTimer !== null) this.clock.clearTimeout(this.graceTimer);
    this.timer = this.graceTimer = null;
  }

  /** something hinted at a change (ICE state, a new candidate): look now rather than at the next poll */
  nudge(): void {
    if (this.running) void this.check();
  }

  /** the dialog was refreshed over a new connection: the old pair gets `graceMs`, then ICE restarts */
  reconnected(): void {
    this.refreshedAt = this.clock.now();
    this.graceUntil = this.nextAttemptAt = this.refreshedAt + this.options.graceMs;
    if (!this.running) return;
    if (this.graceTimer !== null) this.clock.clearTimeout(this.graceTimer);
    this.graceTimer = this.clock.setTimeout(() => {
      this.graceTimer = null;
      this.nudge();
    }, this.options.graceMs);
  }

  private async check(): Promise<void> {
    const silent = await this.silence.silentMs();
    if (!this.running) return;
    if (!this.hooks.iceDown()) {
      // audio arriving (or expected silence): the path is there
      if (silent === 0) this.gone = this.earlyUsed = false;
      if (silent < this.options.stallMs) return;
    }
    this.gone = true;
    await this.recover(this.clock.now());
  }

  private async recover(now: number): Promise<void> {
    if (this.recovering || now < this.graceUntil) return;
    // before the next try is due only for news the far end has not had, once per outage (a multi-homed
    // host's candidates left out by fast ICE would be news after every offer)
    const early = now < this.nextAttemptAt;
    if (early && (this.earlyUsed || !this.hooks.unoffered())) return;
    // the socket is down or its dialog not refreshed yet: wait for that (then reconnected())
    if (!this.hooks.signallingUp()) return;
    this.recovering = true;
    this.earlyUsed ||= early;
    this.nextAttemptAt = now + this.options.retryMs;
    try {
      const alive = now - this.refreshedAt <= this.options.provenMs || await this.hooks.probe(this.options.probeMs);
      if (!this.running) return;
      if (alive) await this.hooks.restart();
      else this.hooks.replaceConnection(`media gone and no answer to a keep-alive within ${this.options.probeMs} ms (network change?)`);
    } finally {
      this.recovering = false;
    }
  }
}

/** the addresses of an SDP's UDP candidates (`a=candidate:<foundation> <component> udp <priority> <address> …`) */
export function udpAddresses(sdp: string): Set<string> {
  const found = new Set<string>();
  for (const m of sdp.matchAll(/^a=candidate:\S+ \d+ udp \d+ (\S+) /gim)) found.add(m[1]);
  return found;
}

/**
 * Whether the connection gathered a UDP candidate on an address the far end was not offered, with no
 * offer in flight (one being gathered now will carry it). Chromium adds what it gathers later to
 * localDescription.
 */
export function unofferedCandidate(pc: RTCPeerConnection | null | undefined, offered: ReadonlySet<string>): boolean {
  if (!pc || pc.signalingState !== 'stable' || !pc.localDescription || offered.size === 0) return false;
  for (const address of udpAddresses(pc.localDescription.sdp)) if (!offered.has(address)) return true;
  return false;
}
