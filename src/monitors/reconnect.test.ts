import { ReconnectMonitor, reconnectOptionsFrom } from './reconnect';
import { fakeClock } from '../../test/support/engine/fake-clock';

describe('reconnect options', () => {
  test('defaults, floor, seconds below 100', () => {
    expect(reconnectOptionsFrom(undefined, undefined)).toMatchObject({ maxAttempts: -1, delayMs: 5000 });
    expect(reconnectOptionsFrom('3', 10000)).toMatchObject({ maxAttempts: 3, delayMs: 10000 });
    expect(reconnectOptionsFrom(0, 500)).toMatchObject({ maxAttempts: 0, delayMs: 2000 });
    expect(reconnectOptionsFrom('abc', 5)).toMatchObject({ maxAttempts: -1, delayMs: 5000 });
    expect(reconnectOptionsFrom(-1, 30)).toMatchObject({ delayMs: 30000 });
    expect(reconnectOptionsFrom(2, 'x')).toMatchObject({ delayMs: 5000 });
  });
});

describe('ReconnectMonitor', () => {
  const setup = (max: number, delay = 5000) => {
    const clock = fakeClock();
    const attempts: number[] = [];
    let exhausted = 0;
    const m = new ReconnectMonitor(reconnectOptionsFrom(max, delay), clock, {
      attempt: (n) => attempts.push(n),
      exhausted: () => { exhausted++; },
    });
    return { clock, m, attempts, exhausted: () => exhausted };
  };

  test('first attempt shortly after the disconnect, then one per delay, max attempts in all', () => {
    const { clock, m, attempts, exhausted } = setup(3, 10000);
    m.start();
    clock.advance(499);
    expect(attempts).toEqual([]);
    clock.advance(1);
    expect(attempts).toEqual([1]);
    m.failed();
    clock.advance(9999);
    expect(attempts).toEqual([1]);
    clock.advance(1);
    expect(attempts).toEqual([1, 2]);
    m.failed();
    clock.advance(10000);
    m.failed();
    expect(attempts).toEqual([1, 2, 3]);
    expect(exhausted()).toBe(1);
    expect(m.isRunning).toBe(false);
    clock.advance(60000);
    expect(attempts).toEqual([1, 2, 3]);
  });

  test('forever with -1; success stops it and resets the count', () => {
    const { clock, m, attempts } = setup(-1, 2000);
    m.start();
    for (let i = 0; i < 20; i++) {
      clock.advance(2000);
      m.failed();
    }
    expect(attempts.length).toBe(20);
    clock.advance(2000);
    m.succeeded();
    expect(m.isRunning).toBe(false);
    expect(m.attempt).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  test('0 disables the automatic start; an explicit start makes one attempt', () => {
    const { clock, m, attempts, exhausted } = setup(0);
    expect(m.start()).toBe(false);
    clock.advance(10000);
    expect(attempts).toEqual([]);
    expect(m.start(true)).toBe(true);
    clock.advance(500);
    m.failed();
    clock.advance(10000);
    expect(attempts).toEqual([1]);
    expect(exhausted()).toBe(1);
  });

  test('stop cancels every timer (the 2014 retries could not be cancelled)', () => {
    const { clock, m, attempts } = setup(-1);
    m.start();
    clock.advance(500);
    m.stop();
    m.failed();
    clock.advance(60000);
    expect(attempts).toEqual([1]);
    expect(clock.pending()).toBe(0);
  });

  test('an attempt that hangs counts as failed after its timeout', () => {
    const { clock, m, attempts } = setup(-1, 2000);
    m.start();
    clock.advance(500);
    clock.advance(15000);
    clock.advance(2000);
    expect(attempts).toEqual([1, 2]);
  });

  test('manual reconnect counts from 1 (the 2014 library said NaN) and feeds the running cycle', () => {
    const { clock, m, attempts } = setup(-1, 2000);
    expect(m.manual()).toBe(1);
    expect(m.manual()).toBe(2);
    m.start();
    clock.advance(500);
    expect(attempts).toEqual([1]);
    expect(m.manual()).toBe(2);
    m.failed();
    clock.advance(2000);
    expect(attempts).toEqual([1, 3]);
  });
});
