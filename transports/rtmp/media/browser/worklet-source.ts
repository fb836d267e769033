/**
 * The two AudioWorklet processors as one source string, loaded from a Blob URL so that `dist/kazoo.js`
 * stays a single script. The string is built from real, type-checked functions with `String(fn)`: the
 * `worklet` function below and the codec, resampler and jitter buffer it is handed. Node's tests run the
 * very same functions (and this very string, in `worklet-source.test.ts`). A worklet cannot import from a
 * one-file bundle, so each of these functions references nothing but its arguments and JavaScript or
 * AudioWorklet globals: minifiers rename module-level names, never those.
 *
 * - capture (`kazoo-rtmp-capture`): the microphone at the context's own rate → low-pass and resample to
 *   8 kHz → G.711 (μ-law, or A-law with `processorOptions.alaw`) → 160-byte frames (20 ms), each posted
 *   to the main thread with its buffer transferred.
 * - playback (`kazoo-rtmp-playback`): messages `[alaw, bytes]` (any length, buffer transferred) → decode
 *   → resample 8 kHz → context rate → jitter buffer → output (one channel).
 */
import { g711ToLinear, linearToG711 } from '../../../../protocol/audio/g711';
import { createResampler } from '../../../../protocol/audio/resampler';
import { jitterBuffer } from './jitter-buffer';

export const CAPTURE_PROCESSOR = 'kazoo-rtmp-capture';
export const PLAYBACK_PROCESSOR = 'kazoo-rtmp-playback';

export interface CaptureProcessorOptions {
  alaw?: boolean;
}

export interface PlaybackProcessorOptions {
  /** frames (20 ms) buffered before playback starts */
  prefill: number;
  /** frames beyond which the oldest audio is dropped */
  max: number;
}

// The AudioWorkletGlobalScope (lib "AudioWorklet" cannot be mixed with "DOM"): types only, no code.
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, processor: new (options: AudioWorkletNodeOptions) => AudioWorkletProcessor): void;

type Process = (inputs: Float32Array[][], outputs: Float32Array[][]) => boolean;

/** Runs once in the AudioWorkletGlobalScope (as text): registers both processors. */
export function worklet(resampler: typeof createResampler, encode: typeof linearToG711, decode: typeof g711ToLinear, buffer: typeof jitterBuffer): void {
  const rate = Math.round(sampleRate);
  // each processor keeps its state in a closure: only `p` and the worklet API are properties
  class Processor extends AudioWorkletProcessor {
    p!: Process;
    process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
      return this.p(inputs, outputs);
    }
  }
  registerProcessor(
    'kazoo-rtmp-capture',
    class extends Processor {
      constructor(options: AudioWorkletNodeOptions) {
        super();
        const alaw = (options.processorOptions as CaptureProcessorOptions | undefined)?.alaw;
        const down = resampler(rate, 8000);
        let frame = new Uint8Array(160);
        let n = 0;
        this.p = ([input]) => {
          if (input[0]) {
            for (const sample of down(input[0])) {
              frame[n++] = encode(sample * 32768, alaw);
              if (n === 160) {
                this.port.postMessage(frame, [frame.buffer]);
                frame = new Uint8Array(160);
                n = 0;
              }
            }
          }
          return true;
        };
      }
    },
  );
  registerProcessor(
    'kazoo-rtmp-playback',
    class extends Processor {
      constructor(options: AudioWorkletNodeOptions) {
        super();
        const { prefill, max } = options.processorOptions as PlaybackProcessorOptions;
        const up = resampler(8000, rate);
        const queue = buffer((rate / 50) | 0, prefill, max);
        let samples = new Float32Array(160);
        this.port.onmessage = ({ data: [alaw, bytes] }: MessageEvent<[boolean, Uint8Array]>) => {
          if (samples.length !== bytes.length) samples = new Float32Array(bytes.length);
          for (let i = 0; i < bytes.length; i++) samples[i] = decode(bytes[i], alaw) / 32768;
          queue.push(up(samples));
        };
        this.p = (_, [output]) => {
          queue.pull(output[0]);
          return true;
        };
      }
    },
  );
}

/** The worklet module's text: `worklet` called with the codec, resampler and jitter buffer. */
export const workletSource = (): string => `(${worklet})(${createResampler},${linearToG711},${g711ToLinear},${jitterBuffer})`;
