/**
 * Audio without devices (Node, tests, bots): a source that yields the 160-byte PCMU frames to send and
 * a sink that receives the far end's frames. Frames go out on a 20 ms clock that catches up after a
 * stall (a few frames at most) instead of drifting.
 */
import { decodeG711, encodeG711 } from '../../../protocol/audio/g711';
import type { G711Law } from '../../../protocol/audio/g711';
import { G711_FRAME_BYTES as FRAME_BYTES, G711_FRAME_MS as FRAME_MS } from '../../../protocol/rtmp/audio-tag';
import type { CallMedia, CallMediaFactory } from './call-media';

export interface NodeAudio {
  /** the next frame to send (160 PCMU bytes), or null for silence; called every 20 ms during a call */
  source?: () => Uint8Array | null;
  /** each frame from the far end, as PCMU (PCMA frames are transcoded) */
  sink?: (pcmu: Uint8Array) => void;
}

const MAX_CATCH_UP = 5;
const SILENCE = new Uint8Array(FRAME_BYTES).fill(0xff);

export function nodeAudioMedia(audio: NodeAudio): CallMediaFactory {
  return (send) => new NodeCallMedia(audio, send);
}

class NodeCallMedia implements CallMedia {
  private muted = false;
  private readonly timer: ReturnType<typeof setInterval> | null = null;
  private sent = 0;
  private readonly startedAt = Date.now();

  constructor(private readonly audio: NodeAudio, private readonly send: (pcmu: Uint8Array) => void) {
    if (!audio.source) return;
    this.timer = setInterval(() => this.tick(), FRAME_MS);
    this.timer.unref?.();
  }

  play(law: G711Law, frame: Uint8Array): void {
    this.audio.sink?.(law === 'pcmu' ? frame : encodeG711('pcmu', decodeG711('pcma', frame)));
  }

  mute(muted: boolean): void {
    this.muted = muted;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private tick(): void {
    const due = Math.floor((Date.now() - this.startedAt) / FRAME_MS) + 1;
    // after a long stall, skip what is too late to matter rather than burst it out
    if (due - this.sent > MAX_CATCH_UP) this.sent = due - MAX_CATCH_UP;
    while (this.sent < due) {
      this.sent++;
      const frame = this.audio.source?.() ?? null;
      this.send(this.muted || !frame ? SILENCE : frame);
    }
  }
}

/** A source of a sine tone as PCMU frames (what `kazoo-js/node`'s WebRTC microphone plays too). */
export function toneSource(hz = 440, amplitude = 8000): () => Uint8Array {
  let n = 0;
  return () => {
    const pcm = new Int16Array(FRAME_BYTES);
    for (let i = 0; i < FRAME_BYTES; i++, n++) pcm[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * n) / 8000));
    return encodeG711('pcmu', pcm);
  };
}
