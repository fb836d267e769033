import type { Clock } from '../../protocol/clock';

/**
 * "Is this call still receiving audio?", asked by two monitors with their own thresholds: the ICE
 * restart (ice-restart.ts: silent for 0.6 s = the media path went away) and the media watchdog
 * (media-watchdog.ts: silent for 30 s = the call is dead). Both read the inbound audio packet count on
 * their own timers; this is the one place that turns readings into "silent for how long".
 */
export interface InboundAudioSource {
  /** inbound audio packets received so far; null when there is no media connection to ask */
  packetsReceived(): Promise<number | null>;
  /** on hold (either side): silence is expected */
  paused(): boolean;
}

export class InboundAudioSilence {
  private lastPackets = -1;
  private lastGrowth = 0;

  constructor(private readonly clock: Clock, private readonly source: InboundAudioSource) {}

  /** silence counts from now (a monitor starting) */
  reset(): void {
    this.lastPackets = -1;
    this.lastGrowth = this.clock.now();
  }

  /**
   * Reads the packet count: how long (ms) no new packet has arrived; 0 when the count grew since the
   * last reading, or the call is on hold. A reading that fails (a closed connection) counts as no growth.
   */
  async silentMs(): Promise<number> {
    let packets: number | null = null;
    try {
      packets = await this.source.packetsReceived();
    } catch { /* no growth */ }
    const now = this.clock.now();
    if (this.source.paused() || (packets !== null && packets > this.lastPackets)) {
      if (packets !== null) this.lastPackets = Math.max(this.lastPackets, packets);
      this.lastGrowth = now;
    }
    return now - this.lastGrowth;
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
