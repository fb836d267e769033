/**
 * What the RTMP call needs from "the audio devices": a way to start capture/playback for one answered
 * call. Browsers plug in `media/browser` (microphone → PCMU, PCMU → speakers); Node plugs in a source
 * and a sink of PCMU frames (`./node-audio`). The adapter only moves 20 ms G.711 frames.
 */
import type { G711Law } from '../../../protocol/audio/g711';

export interface CallMedia {
  /** one frame from the far end (the tag byte already removed) */
  play(law: G711Law, frame: Uint8Array): void;
  /** muted: frames of silence keep flowing, the microphone stays open */
  mute(muted: boolean): void;
  /** release devices and timers; idempotent */
  stop(): void;
}

/** Starts media for one call; `send` takes 160-byte PCMU frames, one per 20 ms. Rejects if no microphone. */
export type CallMediaFactory = (send: (pcmu: Uint8Array) => void) => CallMedia | Promise<CallMedia>;
