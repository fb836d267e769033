import { ConnectivityMonitor } from './connectivity';
import { fakeClock } from '../../test/support/engine/fake-clock';
import type { ConnectivityRecord } from '../catalogue/events';

function fakeNetwork(initial: boolean | undefined) {
  let online = initial;
  const listeners: Record<string, Array<() => void>> = { online: [], offline: [] };
  return {
    isOnline: () => online,
    addEventListener: (t: 'online' | 'offline', fn: () => void) => { listeners[t].push(fn); },
    removeEventListener: (t: 'online' | 'offline', fn: () => void) => { listeners[t] = listeners[t].filter((f) => f !== fn); },
    set(v: boolean, fire = true) {
      online = v;
      if (fire) for (const fn of listeners[v ? 'online' : 'offline']) fn();
    },
    count: () => listeners.online.length + listeners.offline.length,
  };
}

describe('ConnectivityMonitor', () => {
  const setup = (initial: boolean | undefined) => {
    const clock = fakeClock();
    const net = fakeNetwork(initial);
    const changes: ConnectivityRecord[] = [];
    const wakes: number[] = [];
    const m = new ConnectivityMonitor(net, clock, { change: (r) => changes.push(r), wake: (ms) => wakes.push(ms) });
    return { clock, net, changes, wakes, m };
  };

  test('online/offline events, once per change, with time and history', () => {
    const { clock, net, changes, m } = setup(true);
    m.start();
    clock.advance(1000);
    net.set(false);
    net.set(false);
    clock.advance(3000);
    net.set(true);
    expect(changes.map((c) => c.status)).toEqual(['offline', 'online']);
    expect(changes[1].time.getTime()).toBe(4000);
    expect(m.history).toHaveLength(2);
  });

  test('a change without an event is seen on the next tick (navigator.onLine polled)', () => {
    const { clock, net, changes, m } = setup(true);
    m.start();
    net.set(false, false);
    clock.advance(999);
    expect(changes).toEqual([]);
    clock.advance(1);
    expect(changes.map((c) => c.status)).toEqual(['offline']);
  });

  test('timers that stood still mean the machine slept: wake', () => {
    const { clock, wakes, m } = setup(true);
    m.start();
    clock.advance(5000);
    expect(wakes).toEqual([]);
    // a suspended process: the next tick arrives 30 s late
    (clock as unknown as { now: () => number }).now = ((base) => () => base() + 30_000)(clock.now);
    clock.advance(1000);
    expect(wakes.length).toBe(1);
    expect(wakes[0]).toBeGreaterThanOrEqual(29_000);
  });

  test('stop removes its listeners and timer; Node (no navigator.onLine) never reports', () => {
    const { clock, net, m } = setup(true);
    m.start();
    expect(net.count()).toBe(2);
    m.stop();
    expect(net.count()).toBe(0);
    expect(clock.pending()).toBe(0);
    const node = setup(undefined);
    node.m.start();
    node.clock.advance(10_000);
    expect(node.changes).toEqual([]);
  });
});
