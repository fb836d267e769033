import { LIVENESS_DEFAULTS, LivenessMonitor } from './liveness';
import { fakeClock } from '../../test/support/engine/fake-clock';

/** a probe the test answers by hand (or never: a dead gateway) */
function setup(options = { intervalMs: 4000, timeoutMs: 3000 }) {
  const clock = fakeClock();
  const probes: Array<{ at: number; timeoutMs: number; answer(alive: boolean): void }> = [];
  const deaths: number[] = [];
  const m = new LivenessMonitor(clock, {
    probe: (timeoutMs) => new Promise((resolve) => { probes.push({ at: clock.now(), timeoutMs, answer: resolve }); }),
    dead: () => deaths.push(clock.now()),
  }, options);
  return { clock, m, probes, deaths };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('LivenessMonitor', () => {
  test('the defaults bound detection at 7 s after the last answer', () => {
    expect(LIVENESS_DEFAULTS.intervalMs + LIVENESS_DEFAULTS.timeoutMs).toBe(7000);
  });

  test('one probe per interval after each answer, with the deadline passed to the transport', async () => {
    const { clock, m, probes, deaths } = setup();
    m.start();
    clock.advance(3999);
    expect(probes).toHaveLength(0);
    clock.advance(1);
    expect(probes.map((p) => [p.at, p.timeoutMs])).toEqual([[4000, 3000]]);
    clock.advance(500);
    probes[0].answer(true);
    await settle();
    // the next probe is one interval after the answer, not after the previous probe
    clock.advance(3999);
    expect(probes).toHaveLength(1);
    clock.advance(1);
    expect(probes.map((p) => p.at)).toEqual([4000, 8500]);
    probes[1].answer(true);
    await settle();
    expect(deaths).toEqual([]);
    expect(clock.pending()).toBe(1); // only the next interval
  });

  test('a silent gateway is dead exactly timeoutMs after the probe: interval + timeout after the last answer', async () => {
    const { clock, m, probes, deaths } = setup();
    m.start();
    clock.advance(4000);
    probes[0].answer(true);
    await settle();
    // the gateway dies right after answering
    clock.advance(4000);
    expect(probes).toHaveLength(2);
    clock.advance(2999);
    expect(deaths).toEqual([]);
    clock.advance(1);
    expect(deaths).toEqual([11_000]);
    expect(m.isRunning).toBe(false);
    expect(clock.pending()).toBe(0);
    // a late answer changes nothing
    probes[1].answer(true);
    await settle();
    clock.advance(60_000);
    expect(deaths).toEqual([11_000]);
    expect(probes).toHaveLength(2);
  });

  test('a probe that says false (or fails) is a death at once; one probe at a time', async () => {
    const a = setup();
    a.m.start();
    a.clock.advance(4000);
    a.clock.advance(1000);
    expect(a.probes).toHaveLength(1); // no second probe while the first waits
    a.probes[0].answer(false);
    await settle();
    expect(a.deaths).toEqual([5000]);
    expect(a.clock.pending()).toBe(0);

    const clock = fakeClock();
    const deaths: number[] = [];
    const m = new LivenessMonitor(clock, { probe: () => Promise.reject(new Error('gone')), dead: () => deaths.push(clock.now()) }, { intervalMs: 1000, timeoutMs: 500 });
    m.start();
    clock.advance(1000);
    await settle();
    expect(deaths).toEqual([1000]);
  });

  test('stop cancels the pending probe and its deadline; a restart begins a fresh interval', async () => {
    const { clock, m, probes, deaths } = setup();
    m.start();
    clock.advance(4000);
    m.stop();
    expect(clock.pending()).toBe(0);
    probes[0].answer(false);
    await settle();
    clock.advance(60_000);
    expect(deaths).toEqual([]);
    m.start();
    clock.advance(3999);
    expect(probes).toHaveLength(1);
    clock.advance(1);
    expect(probes).toHaveLength(2);
    m.stop();
  });
});
