import type { Clock } from '../clock';

/** The part of the injected clock the RTMP sessions use (they need no `now` or intervals). */
export type Timers = Pick<Clock, 'setTimeout' | 'clearTimeout'>;

export const GLOBAL_TIMERS: Timers = {
  // Looked up at call time so that jest's fake timers, installed later, still apply.
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
};
