import type { Clock } from '../../../protocol/clock';

/** A clock whose time moves only when the test says so. */
export function fakeClock(): Clock & { advance(ms: number): void; pending(): number } {
  let now = 0;
  let id = 0;
  const timers = new Map<number, { at: number; fn: () => void; every?: number }>();
  const clock = {
    now: () => now,
    setTimeout: (fn: () => void, ms: number) => { timers.set(++id, { at: now + ms, fn }); return id; },
    clearTimeout: (h: unknown) => { timers.delete(h as number); },
    setInterval: (fn: () => void, ms: number) => { timers.set(++id, { at: now + ms, fn, every: ms }); return id; },
    clearInterval: (h: unknown) => { timers.delete(h as number); },
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const next = [...timers.entries()].filter(([, t]) => t.at <= end).sort((x, y) => x[1].at - y[1].at)[0];
        if (!next) break;
        const [key, t] = next;
        now = t.at;
        if (t.every) t.at += t.every;
        else timers.delete(key);
        t.fn();
      }
      now = end;
    },
    pending: () => timers.size,
  };
  return clock;
}

