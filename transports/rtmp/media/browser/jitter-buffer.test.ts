import { JitterBuffer } from './jitter-buffer';

const frame = (value: number, n = 960) => new Float32Array(n).fill(value);
const pull = (jb: JitterBuffer, n = 128) => { const out = new Float32Array(n); jb.pull(out); return out; };

test('silence until the prefill, then the audio in order', () => {
  const jb = new JitterBuffer(960, 2, 8);
  jb.push(frame(0.1));
  expect(pull(jb).every((v) => v === 0)).toBe(true);
  jb.push(frame(0.2));
  let out = new Float32Array(0);
  for (let i = 0; i < 15; i++) out = Float32Array.from([...out, ...pull(jb)]);
  expect(out[0]).toBeCloseTo(0.1);
  expect(out[959]).toBeCloseTo(0.1);
  expect(out[960]).toBeCloseTo(0.2);
});

test('overflow drops the oldest audio: latency stays bounded', () => {
  const jb = new JitterBuffer(960, 2, 4);
  for (let i = 0; i < 10; i++) jb.push(frame(i / 10));
  expect(jb.bufferedSamples).toBeLessThanOrEqual(4 * 960);
  expect(jb.dropped).toBe(6 * 960);
  expect(pull(jb)[0]).toBeCloseTo(0.6);
});

test('underrun fades the last quantum out over one frame, then silence and a new prefill', () => {
  const jb = new JitterBuffer(256, 1, 8);
  jb.push(frame(0.8, 256));
  pull(jb);
  pull(jb);
  const concealed = pull(jb);
  expect(jb.underruns).toBe(1);
  expect(concealed[0]).toBeCloseTo(0.4);
  const next = pull(jb);
  expect(next[0]).toBeCloseTo(0.2);
  expect(pull(jb).every((v) => v === 0)).toBe(true);
});

test('the class survives serialisation into a worklet (no outside references)', () => {
  const Rebuilt = new Function(`return (${String(JitterBuffer)});`)() as typeof JitterBuffer;
  const jb = new Rebuilt(4, 1, 2);
  jb.push(Float32Array.from([1, 2, 3, 4]));
  const out = new Float32Array(4);
  jb.pull(out);
  expect(Array.from(out)).toEqual([1, 2, 3, 4]);
});
