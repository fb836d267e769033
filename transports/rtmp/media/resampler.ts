/**
 * A streaming windowed-sinc resampler between any two rates (a microphone's native rate ↔ 8 kHz).
 * Firefox refuses a MediaStream source in an AudioContext of another rate, so capture runs at the native
 * rate and the worklet resamples (notes §6). Linear interpolation would leave images above 4 kHz; this
 * low-passes at `rolloff` × the lower Nyquist with a Blackman-windowed sinc.
 *
 * Time is kept as an exact rational (input samples × outputRate), so hours of audio never drift.
 */
export interface ResamplerOptions {
  /** Sinc zero crossings on each side: sharper transition, more taps (default 16). */
  readonly zeroCrossings?: number;
  /** Cut-off as a fraction of the lower Nyquist frequency (default 0.92: 3.68 kHz for 8 kHz). */
  readonly rolloff?: number;
}

const TABLE_OVERSAMPLING = 512;
// Local bindings: a global lookup per tap is slow inside vm sandboxes (jest) and costs nothing to avoid.
const { ceil, floor, max, min } = Math;

export class Resampler {
  private readonly halfWidth: number;
  private readonly kernel: Float32Array;
  /** Kernel table entries per input sample of distance. */
  private readonly tableScale: number;
  private history: Float32Array;
  /** Position of the next output, in input samples × outputRate, relative to history[0]. */
  private time: number;

  constructor(
    readonly inputRate: number,
    readonly outputRate: number,
    options: ResamplerOptions = {},
  ) {
    if (!(inputRate > 0 && outputRate > 0 && Number.isInteger(inputRate) && Number.isInteger(outputRate))) {
      throw new RangeError('sample rates must be positive integers');
    }
    const zeroCrossings = options.zeroCrossings ?? 16;
    const cutoff = 0.5 * Math.min(1, outputRate / inputRate) * (options.rolloff ?? 0.92); // cycles per input sample
    this.halfWidth = zeroCrossings / (2 * cutoff);
    this.tableScale = TABLE_OVERSAMPLING;
    const size = Math.ceil(this.halfWidth * TABLE_OVERSAMPLING) + 2;
    this.kernel = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      const t = i / TABLE_OVERSAMPLING;
      const x = t / this.halfWidth;
      if (x >= 1) continue;
      const arg = 2 * cutoff * t;
      const sinc = arg === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg);
      const taper = 0.42 + 0.5 * Math.cos(Math.PI * x) + 0.08 * Math.cos(2 * Math.PI * x);
      this.kernel[i] = sinc * taper; // Blackman window
    }
    const lead = Math.ceil(this.halfWidth);
    this.history = new Float32Array(lead); // silence before the first sample
    this.time = lead * outputRate;
  }

  /** Output samples for this input; outputs wait for `halfWidth` input samples of look-ahead. */
  process(input: Float32Array): Float32Array {
    const buffer = new Float32Array(this.history.length + input.length);
    buffer.set(this.history, 0);
    buffer.set(input, this.history.length);
    const { inputRate, outputRate, halfWidth, kernel, tableScale } = this;
    const last = buffer.length - 1;
    const capacity = max(0, ceil(((last - halfWidth) * outputRate - this.time) / inputRate) + 1);
    const out = new Float32Array(capacity);
    let produced = 0;
    let time = this.time;
    while (produced < capacity) {
      const t = time / outputRate;
      if (t + halfWidth > last) break;
      const from = max(0, ceil(t - halfWidth));
      const to = min(last, floor(t + halfWidth));
      let sum = 0;
      let weights = 0;
      for (let k = from; k <= to; k++) {
        const distance = t - k;
        const position = (distance < 0 ? -distance : distance) * tableScale;
        const index = position | 0;
        const frac = position - index;
        const w = kernel[index] + (kernel[index + 1] - kernel[index]) * frac;
        sum += buffer[k] * w;
        weights += w;
      }
      out[produced++] = weights !== 0 ? sum / weights : 0; // normalised: exact unity gain at DC
      time += inputRate;
    }
    // Keep what the next outputs still need.
    const keepFrom = max(0, min(buffer.length, floor(time / outputRate - halfWidth) - 1));
    this.history = buffer.slice(keepFrom);
    this.time = time - keepFrom * outputRate;
    return produced === capacity ? out : out.subarray(0, produced);
  }
}

/** One-shot resampling of a whole buffer (the tail within the filter's reach is left out). */
export function resample(input: Float32Array, inputRate: number, outputRate: number, options?: ResamplerOptions): Float32Array {
  return new Resampler(inputRate, outputRate, options).process(input);
}
