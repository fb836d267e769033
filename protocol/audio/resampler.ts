/**
 * A streaming windowed-sinc resampler between any two integer rates (a microphone's native rate ↔ 8 kHz).
 * Firefox refuses a MediaStream source in an AudioContext of another rate, so capture runs at the native
 * rate and the worklet resamples (notes §6). Linear interpolation would leave images above 4 kHz; this
 * low-passes at `rolloff` × the lower Nyquist with a Blackman-windowed sinc (16 zero crossings a side:
 * 209 taps per output at 48 kHz → 8 kHz, 35 at 8 kHz → 48 kHz), read from a table oversampled 512 times.
 *
 * Time is kept as an exact rational (input samples × outputRate), so the fractional step of 44.1 kHz ↔
 * 8 kHz carries from one block (a 128-frame render quantum, a 160-sample frame) to the next and hours of
 * audio never drift.
 *
 * `createResampler` runs as text inside both AudioWorklets (`browser/worklet-source.ts`): it must
 * reference nothing but its arguments and JavaScript globals.
 */
export interface ResamplerOptions {
  /** Sinc zero crossings on each side: sharper transition, more taps (default 16). */
  readonly zeroCrossings?: number;
  /** Cut-off as a fraction of the lower Nyquist frequency (default 0.92: 3.68 kHz for 8 kHz). */
  readonly rolloff?: number;
}

/**
 * Returns `process(block)`: the outputs this block completes, in a buffer reused by the next call (copy
 * what you keep). Outputs lag by the filter's half-width (≈ 2.2 ms); nothing is allocated per call once
 * the buffers have grown to the block size.
 */
export function createResampler(inputRate: number, outputRate: number, zeroCrossings = 16, rolloff = 0.92): (block: Float32Array) => Float32Array {
  if (!(inputRate > 0 && outputRate > 0 && Number.isInteger(inputRate) && Number.isInteger(outputRate))) {
    throw new RangeError('sample rates must be positive integers');
  }
  const PI = Math.PI;
  const cutoff = (Math.min(1, outputRate / inputRate) * rolloff) / 2; // cycles per input sample
  const half = zeroCrossings / 2 / cutoff; // the kernel's half-width in input samples
  const lead = Math.ceil(half);
  const kernel = new Float32Array(lead * 512 + 2); // kernel[i] = h(i / 512 input samples)
  for (let i = 0; i < kernel.length; i++) {
    const x = i / 512 / half;
    const arg = (2 * PI * cutoff * i) / 512;
    if (x < 1) kernel[i] = (i ? Math.sin(arg) / arg : 1) * (0.42 + 0.5 * Math.cos(PI * x) + 0.08 * Math.cos(2 * PI * x));
  }
  let buffer = new Float32Array(lead); // silence before the first sample, then what the next outputs need
  let filled = lead;
  let time = lead * outputRate; // the next output's position in buffer, × outputRate
  let out = new Float32Array(64);
  return (block) => {
    if (buffer.length < filled + block.length) {
      const grown = new Float32Array(2 * (filled + block.length));
      grown.set(buffer);
      buffer = grown;
    }
    buffer.set(block, filled);
    filled += block.length;
    let produced = 0;
    for (let t = time / outputRate; t + half <= filled - 1; t = (time += inputRate) / outputRate) {
      let sum = 0;
      let weights = 0;
      for (let k = Math.ceil(t - half); k <= t + half; k++) {
        const position = (t > k ? t - k : k - t) * 512;
        const index = position | 0;
        const w = kernel[index] + (kernel[index + 1] - kernel[index]) * (position - index);
        sum += buffer[k] * w;
        weights += w;
      }
      if (produced === out.length) {
        const grown = new Float32Array(2 * produced);
        grown.set(out);
        out = grown;
      }
      out[produced++] = sum / weights; // normalised: exact unity gain at DC
    }
    // keep from the first sample the next output reads (t − half ≥ 0 always holds)
    const keep = Math.floor(time / outputRate - half);
    buffer.copyWithin(0, keep, filled);
    filled -= keep;
    time -= keep * outputRate;
    return out.subarray(0, produced);
  };
}

/** The resampler as an object, each output a fresh array (Node: bench, gateway tools). */
export class Resampler {
  private readonly run: (block: Float32Array) => Float32Array;

  constructor(
    readonly inputRate: number,
    readonly outputRate: number,
    options: ResamplerOptions = {},
  ) {
    this.run = createResampler(inputRate, outputRate, options.zeroCrossings, options.rolloff);
  }

  /** Output samples for this input; outputs wait for the filter's half-width of look-ahead. */
  process(input: Float32Array): Float32Array {
    return this.run(input).slice();
  }
}

/** One-shot resampling of a whole buffer (the tail within the filter's reach is left out). */
export function resample(input: Float32Array, inputRate: number, outputRate: number, options: ResamplerOptions = {}): Float32Array {
  return createResampler(inputRate, outputRate, options.zeroCrossings, options.rolloff)(input).slice();
}
