/**
 * The two AudioWorklet processors as one source string, loaded from a Blob URL so that `dist/kazoo.js`
 * stays a single script. They stay small: capture hands the microphone's samples (native rate) to the
 * main thread, playback plays what the jitter buffer holds. Resampling and G.711 run on the main thread
 * with the project's tested `Resampler` and `g711` (a worklet cannot import modules from a one-file
 * bundle, and minified code cannot be re-serialised safely); only the self-contained JitterBuffer class
 * is embedded as text.
 */
import { JitterBuffer } from './jitter-buffer';

export const CAPTURE_PROCESSOR = 'kazoo-rtmp-capture';
export const PLAYBACK_PROCESSOR = 'kazoo-rtmp-playback';
/** samples per message from the capture worklet: 4 render quanta (10.7 ms at 48 kHz) */
export const CAPTURE_BLOCK = 512;

export interface PlaybackProcessorOptions {
  frameSamples: number;
  prefillFrames: number;
  maxFrames: number;
}

export function workletSource(): string {
  return `
const JitterBuffer = (${String(JitterBuffer)});
class KazooCapture extends AudioWorkletProcessor {
  constructor() { super(); this.block = new Float32Array(${CAPTURE_BLOCK}); this.n = 0; }
  process(inputs) {
    const ch = inputs[0] && inputs[0][0];
    if (!ch) return true;
    for (let i = 0; i < ch.length; i++) {
      this.block[this.n++] = ch[i];
      if (this.n === this.block.length) {
        this.port.postMessage(this.block, [this.block.buffer]);
        this.block = new Float32Array(${CAPTURE_BLOCK});
        this.n = 0;
      }
    }
    return true;
  }
}
class KazooPlayback extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = options.processorOptions;
    this.jb = new JitterBuffer(o.frameSamples, o.prefillFrames, o.maxFrames);
    this.port.onmessage = (e) => this.jb.push(e.data);
  }
  process(inputs, outputs) {
    const out = outputs[0];
    if (!out || !out[0]) return true;
    this.jb.pull(out[0]);
    for (let c = 1; c < out.length; c++) out[c].set(out[0]);
    return true;
  }
}
registerProcessor('${CAPTURE_PROCESSOR}', KazooCapture);
registerProcessor('${PLAYBACK_PROCESSOR}', KazooPlayback);
`;
}
