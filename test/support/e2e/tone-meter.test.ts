/** The Node parties' ear (tone-meter.ts): it must tell whose tone arrived, through μ-law, without a lab. */
import { mulawDecodeSample, mulawEncodeSample } from '../../../protocol/audio/g711';
import { NODE_TONES, PAGE_TONES, ToneMeter, nodeToneMiss } from './tone-meter';

/** `seconds` of the sum of `tones` (Hz → amplitude 0…1) at 8 kHz, through μ-law as a far end receives it */
function mulaw(tones: Record<number, number>, seconds = 0.6): Int16Array {
  return Int16Array.from({ length: 8000 * seconds }, (_, i) => {
    let v = 0;
    for (const [hz, amp] of Object.entries(tones)) v += amp * Math.sin((2 * Math.PI * Number(hz) * i) / 8000);
    return mulawDecodeSample(mulawEncodeSample(Math.round(v * 32767)));
  });
}

test('finds each party tone as the dominant frequency, within a hertz', () => {
  for (const hz of [...PAGE_TONES, ...NODE_TONES]) {
    const meter = new ToneMeter();
    meter.push(mulaw({ [hz]: 0.25 }));
    const heard = meter.heard();
    expect(Math.abs(heard.hz - hz)).toBeLessThan(1);
    expect(heard.level).toBeGreaterThan(0.2);
  }
});

test('a crossed leg, an echo or silence is a miss that says what was heard', () => {
  const meter = new ToneMeter();
  meter.push(mulaw({ 659: 0.25 }));
  expect(nodeToneMiss(meter, 523).miss).toMatch(/dominant 659/);
  expect(nodeToneMiss(meter, 659).miss).toBeNull();
  // the expected tone, with another one (an echo of our own) only 10 dB below it
  meter.push(mulaw({ 659: 0.25, 587: 0.08 }));
  expect(nodeToneMiss(meter, 659, { absent: [587] }).miss).toMatch(/587 Hz present/);
  meter.push(mulaw({ 659: 0.25, 587: 0.001 }));
  expect(nodeToneMiss(meter, 659, { absent: [587] }).miss).toBeNull();
  meter.push(new Int16Array(8000));
  expect(nodeToneMiss(meter, 659).miss).toMatch(/too quiet/);
});
