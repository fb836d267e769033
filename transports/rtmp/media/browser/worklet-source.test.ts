/**
 * The worklet module's text, run as a browser runs it: in its own realm (node:vm) with a stand-in for
 * the AudioWorkletGlobalScope (`sampleRate`, `registerProcessor`, `AudioWorkletProcessor` with a port),
 * driven in 128-frame render quanta. The real-Chromium run is browser-media.chromium.test.ts.
 */
import { runInNewContext } from 'node:vm';
import { decodeG711, encodeG711 } from '../../../../protocol/audio/g711';
import { dB, measuredFrequency, rms, sine, toneLevel } from '../../../../test/support/audio/tones';
import { CAPTURE_PROCESSOR, PLAYBACK_PROCESSOR, workletSource } from './worklet-source';

interface Port {
  posted: { message: unknown; transfer: unknown[] }[];
  postMessage(message: unknown, transfer?: unknown[]): void;
  onmessage: ((event: { data: unknown }) => void) | null;
}
interface Processor {
  port: Port;
  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean;
}
type ProcessorClass = new (options: { processorOptions?: unknown }) => Processor;

function load(sampleRate: number): Map<string, ProcessorClass> {
  const registered = new Map<string, ProcessorClass>();
  class AudioWorkletProcessor {
    port: Port = {
      posted: [],
      postMessage(message, transfer = []) {
        this.posted.push({ message, transfer });
      },
      onmessage: null,
    };
  }
  runInNewContext(workletSource(), { sampleRate, AudioWorkletProcessor, registerProcessor: (name: string, c: ProcessorClass) => registered.set(name, c) });
  return registered;
}

/** Feeds `input` in render quanta; returns the frames the capture processor posted. */
function capture(rate: number, input: Float32Array, alaw?: boolean): Uint8Array[] {
  const processor = new (load(rate).get(CAPTURE_PROCESSOR) as ProcessorClass)({ processorOptions: { alaw } });
  for (let at = 0; at + 128 <= input.length; at += 128) {
    expect(processor.process([[input.subarray(at, at + 128)]], [[new Float32Array(128)]])).toBe(true);
  }
  for (const { message, transfer } of processor.port.posted) expect(transfer).toEqual([(message as Uint8Array).buffer]);
  return processor.port.posted.map(({ message }) => message as Uint8Array);
}

const joined = (frames: Uint8Array[]): Uint8Array => Uint8Array.from(frames.flatMap((f) => Array.from(f)));

test('both processors are registered under the names the main thread uses', () => {
  expect([...load(48000).keys()]).toEqual([CAPTURE_PROCESSOR, PLAYBACK_PROCESSOR]);
});

describe.each([48000, 44100, 96000, 22050, 16000])('capture at %d Hz', (rate) => {
  test('1 s of a 1 kHz tone in render quanta → 50 frames of 160 μ-law bytes, the tone at 8 kHz', () => {
    const frames = capture(rate, sine(rate, 1000, 1.02, 0.5));
    expect(frames.every((f) => f.length === 160)).toBe(true);
    expect(frames.length).toBe(50); // 1.02 s = 51 frames, minus the filter's look-ahead (≈ 2 ms)
    const pcm = Float32Array.from(decodeG711('pcmu', joined(frames)), (v) => v / 32768);
    expect(Math.abs(measuredFrequency(pcm, 8000, 1000) - 1000)).toBeLessThan(0.05);
    expect(Math.abs(dB(toneLevel(pcm, 8000, 1000) / 0.5))).toBeLessThan(0.1);
  });
});

test('capture: A-law when the processor options ask for it', () => {
  const frames = capture(44100, sine(44100, 440, 0.5, 0.25), true);
  const pcm = Float32Array.from(decodeG711('pcma', joined(frames)), (v) => v / 32768);
  expect(Math.abs(dB(toneLevel(pcm, 8000, 440) / 0.25))).toBeLessThan(0.1);
  expect(capture(44100, new Float32Array(8820), true).flatMap((f) => Array.from(f)).every((b) => b === 0xd5)).toBe(true);
  expect(capture(44100, new Float32Array(8820)).flatMap((f) => Array.from(f)).every((b) => b === 0xff)).toBe(true);
});

test('capture: no input connected, no frames; a clipped input saturates cleanly', () => {
  const processor = new (load(48000).get(CAPTURE_PROCESSOR) as ProcessorClass)({});
  expect(processor.process([[]], [[]])).toBe(true);
  expect(processor.port.posted).toEqual([]);
  const loud = capture(48000, new Float32Array(9600).fill(4));
  expect(decodeG711('pcmu', loud[loud.length - 1]).every((v) => v === 32124)).toBe(true);
});

/**
 * Real time, simulated: a frame arrives every 20 ms (every `rate / 50 / 128` quanta), the playback
 * processor renders quanta; returns its output.
 */
function playback(rate: number, frames: Uint8Array[], alaw = false, options = { prefill: 2, max: 8 }, seconds = frames.length / 50): Float32Array {
  const processor = new (load(rate).get(PLAYBACK_PROCESSOR) as ProcessorClass)({ processorOptions: options });
  const quanta = Math.floor((seconds * rate) / 128);
  const out = new Float32Array(quanta * 128);
  let sent = 0;
  for (let q = 0; q < quanta; q++) {
    while (sent < frames.length && sent * (rate / 50) <= q * 128) {
      const bytes = frames[sent++].slice();
      processor.port.onmessage?.({ data: [alaw, bytes] });
    }
    const channel = out.subarray(q * 128, q * 128 + 128);
    expect(processor.process([], [[channel]])).toBe(true);
  }
  return out;
}

const toneFrames = (alaw: boolean, seconds: number, frequency = 1000, amplitude = 12000): Uint8Array[] => {
  const pcm = Int16Array.from(sine(8000, frequency, seconds, amplitude), Math.round);
  const bytes = encodeG711(alaw ? 'pcma' : 'pcmu', pcm);
  return Array.from({ length: bytes.length / 160 }, (_, i) => bytes.slice(i * 160, i * 160 + 160));
};

describe.each([48000, 44100])('playback at %d Hz', (rate) => {
  test('μ-law frames every 20 ms → the tone at the context rate, at its level, without images', () => {
    const out = playback(rate, toneFrames(false, 1));
    const steady = out.subarray(Math.round(rate * 0.1));
    const sent = 12000 / 32768;
    expect(Math.abs(measuredFrequency(steady, rate, 1000) - 1000)).toBeLessThan(0.05);
    expect(Math.abs(dB(toneLevel(steady, rate, 1000) / sent))).toBeLessThan(0.15); // μ-law's own error included
    expect(dB(rms(steady) / (sent / Math.SQRT2))).toBeGreaterThan(-0.2); // no gaps: no underrun in steady state
    for (const image of [7000, 9000, 15000]) expect(dB(toneLevel(steady, rate, image) / sent)).toBeLessThan(-60);
  });

  test('A-law frames, any length (240-byte frames at 30 ms)', () => {
    const bytes = Uint8Array.from(toneFrames(true, 1, 440).flatMap((f) => Array.from(f)));
    const frames = Array.from({ length: bytes.length / 240 }, (_, i) => bytes.slice(i * 240, i * 240 + 240));
    const processor = new (load(rate).get(PLAYBACK_PROCESSOR) as ProcessorClass)({ processorOptions: { prefill: 2, max: 8 } });
    const out = new Float32Array(Math.floor(rate / 128) * 128);
    for (let q = 0, sent = 0; q < out.length / 128; q++) {
      while (sent < frames.length && sent * 0.03 * rate <= q * 128) processor.port.onmessage?.({ data: [true, frames[sent++]] });
      processor.process([], [[out.subarray(q * 128, q * 128 + 128)]]);
    }
    expect(Math.abs(dB(toneLevel(out.subarray(rate / 10), rate, 440) / (12000 / 32768)))).toBeLessThan(0.15);
  });
});

test('playback: silence before the prefill; after the far end stops, one frame of fading concealment, then silence', () => {
  const rate = 48000;
  const out = playback(rate, toneFrames(false, 0.5), false, { prefill: 2, max: 8 }, 1);
  expect(out.subarray(0, 960).every((v) => v === 0)).toBe(true); // the first frame alone is not played
  let end = out.length;
  while (out[end - 1] === 0) end--;
  const peak = (from: number, to: number) => out.subarray(from, to).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  expect(end / rate).toBeGreaterThan(0.5); // 0.5 s of audio, played from the second frame (20 ms late)
  expect(end / rate).toBeLessThan(0.56 + 0.021);
  const tail = end - 960; // the concealment: at most one frame, fading linearly to silence
  expect(peak(tail - 960, tail - 128)).toBeGreaterThan(0.3);
  expect(peak(end - 480, end)).toBeLessThanOrEqual(0.5 * peak(tail - 960, tail - 128) + 1e-6);
  expect(peak(end - 96, end)).toBeLessThanOrEqual(0.1 * peak(tail - 960, tail - 128) + 1e-6);
});

test('capture at 44.1 kHz → playback at 48 kHz: the tone goes through both worklets', () => {
  const frames = capture(44100, sine(44100, 1000, 1.1, 0.3));
  const out = playback(48000, frames).subarray(4800);
  expect(Math.abs(measuredFrequency(out, 48000, 1000) - 1000)).toBeLessThan(0.05);
  expect(Math.abs(dB(toneLevel(out, 48000, 1000) / 0.3))).toBeLessThan(0.2);
});
