/** TEST HELPER: sine generation and measurement of tones (level, frequency) for the media tests. */
export function sine(rate: number, frequency: number, seconds: number, amplitude = 0.5): Float32Array {
  return Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / rate));
}

const middle = (signal: ArrayLike<number>): [number, number] => [Math.floor(signal.length * 0.2), Math.floor(signal.length * 0.8)];

/** RMS over the middle of a signal (away from the filter's start-up). */
export function rms(signal: ArrayLike<number>): number {
  const [from, to] = middle(signal);
  let sum = 0;
  for (let i = from; i < to; i++) sum += signal[i] * signal[i];
  return Math.sqrt(sum / (to - from));
}

/** Amplitude and phase (radians, against sample 0) of one frequency over signal[from, to): a one-bin DFT. */
function bin(signal: ArrayLike<number>, rate: number, frequency: number, from: number, to: number): [number, number] {
  let re = 0;
  let im = 0;
  for (let i = from; i < to; i++) {
    re += signal[i] * Math.cos((2 * Math.PI * frequency * i) / rate);
    im -= signal[i] * Math.sin((2 * Math.PI * frequency * i) / rate);
  }
  return [(2 * Math.hypot(re, im)) / (to - from), Math.atan2(im, re)];
}

/** Amplitude of one frequency over the middle of a signal. */
export function toneLevel(signal: ArrayLike<number>, rate: number, frequency: number): number {
  return bin(signal, rate, frequency, ...middle(signal))[0];
}

/** The frequency of a tone near `near` (within about ±1 Hz for a 1 s signal), from how its phase turns between two windows. */
export function measuredFrequency(signal: ArrayLike<number>, rate: number, near: number): number {
  const [a, c] = middle(signal);
  const b = (a + c) >> 1;
  let turn = bin(signal, rate, near, b, c)[1] - bin(signal, rate, near, a, b)[1];
  turn -= 2 * Math.PI * Math.round(turn / (2 * Math.PI));
  return near + turn / (2 * Math.PI * ((b - a) / rate));
}

export const dB = (ratio: number): number => 20 * Math.log10(ratio);
