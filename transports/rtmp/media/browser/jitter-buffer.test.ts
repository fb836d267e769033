import { jitterBuffer, type JitterBuffer } from './jitter-buffer';

const frame = (value: number, n = 960) => new Float32Array(n).fill(value);
const pull = (jb: JitterBuffer, n = 128) => { const out = new Float32Array(n); jb.pull(out); return out; };

test('silence until the prefill, then the audio in order', () => {
  const jb = jitterBuffer(960, 2, 8);
  jb.push(frame(0.1));
  expect(pull(jb).every((v) => v === 0)).toBe(true);
  jb.push(frame(0.2));
  let out = new Float32Array(0);
  for (let i = 0; i < 15; i++) out = Float32Array.from([...out, ...pull(jb)]);
  expect(out[0]).toBeCloseTo(0.1);
  expect(out[959]).toBeCloseTo(0.1);
  expect(out[960]).toBeCloseTo(0.2);
});

test('pushed samples are copied: the caller may reuse its array', () => {
  const jb = jitterBuffer(4, 1, 4);
  const block = Float32Array.from([1, 2, 3, 4]);
  jb.push(block);
  block.fill(9);
  expect(Array.from(pull(jb, 4))).toEqual([1, 2, 3, 4]);
});

test('overflow drops the oldest audio: latency stays bounded', () => {
  const jb = jitterBuffer(960, 2, 4);
  for (let i = 0; i < 10; i++) jb.push(frame(i / 10));
  const [buffered, dropped] = jb.stats();
  expect(buffered).toBe(4 * 960);
  expect(dropped).toBe(6 * 960);
  expect(pull(jb)[0]).toBeCloseTo(0.6);
});

test('underrun fades the last quantum out linearly over one frame, then silence and a new prefill', () => {
  const jb = jitterBuffer(256, 1, 8);
  jb.push(frame(0.8, 256));
  pull(jb);
  pull(jb);
  const concealed = pull(jb);
  expect(jb.stats()[2]).toBe(1);
  expect(concealed[0]).toBeCloseTo(0.8);
  const next = pull(jb);
  expect(next[0]).toBeCloseTo(0.4);
  // a smooth envelope: every concealed sample of a steady signal a little lower than the one before
  const fade = [...concealed, ...next];
  expect(fade.every((v, i) => i === 0 || (v < fade[i - 1] && fade[i - 1] - v < 0.8 / 256 + 1e-6))).toBe(true);
  expect(pull(jb).every((v) => v === 0)).toBe(true);
  // a new prefill, then audio again
  jb.push(frame(0.5, 256));
  expect(pull(jb)[0]).toBeCloseTo(0.5);
});

test('an underrun in the middle of a quantum: the audio, then its concealment', () => {
  const jb = jitterBuffer(128, 1, 8);
  jb.push(Float32Array.from({ length: 192 }, (_, i) => i + 1));
  pull(jb);
  const out = pull(jb);
  expect(out[63]).toBe(192);
  expect(out[64]).toBeCloseTo(192 - 128 + 1); // the last 128 played, from their start, the fade beginning at full level
  expect(out[65]).toBeCloseTo((192 - 128 + 2) * (1 - 1 / 128));
});

test('the function survives serialisation into a worklet (no outside references)', () => {
  const rebuilt = new Function(`return (${String(jitterBuffer)});`)() as typeof jitterBuffer;
  const jb = rebuilt(4, 1, 2);
  jb.push(Float32Array.from([1, 2, 3, 4]));
  expect(Array.from(pull(jb, 4))).toEqual([1, 2, 3, 4]);
});
