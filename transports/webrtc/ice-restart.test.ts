import { fakeClock } from '../../test/support/engine/fake-clock';
import { ICE_RESTART_DEFAULTS, IceRestartMonitor, type IceRestartHooks } from './ice-restart';

/** let pending promise callbacks run (the packet count and the probe are async) */
const flush = async () => { for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); };

const { pollMs, stallMs, probeMs, retryMs, graceMs } = ICE_RESTART_DEFAULTS;

function setup(o: { alive?: boolean; signalling?: boolean } = {}) {
  const clock = fakeClock();
  const state = { packets: 0, flowing: true, paused: false, iceDown: false, alive: o.alive ?? true, signalling: o.signalling ?? true };
  const calls: string[] = [];
  /** when each restart went out */
  const at: number[] = [];
  const hooks: IceRestartHooks = {
    packetsReceived: async () => state.packets,
    paused: () => state.paused,
    iceDown: () => state.iceDown,
    signallingUp: () => state.signalling,
    probe: async (ms) => { calls.push(`probe ${ms}`); return state.alive; },
    restart: async () => { calls.push('restart'); at.push(clock.now()); },
    replaceConnection: (reason) => { calls.push(`replace: ${reason}`); },
  };
  const monitor = new IceRestartMonitor(clock, hooks);
  /** advance in poll steps, the far end's packets growing while `flowing` */
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += pollMs) {
      if (state.flowing) state.packets += 10;
      clock.advance(pollMs);
      await flush();
    }
  };
  return { clock, state, calls, at, monitor, run };
}

describe('IceRestartMonitor', () => {
  test('media flowing: nothing happens', async () => {
    const { monitor, calls, run } = setup();
    monitor.start();
    await run(5000);
    expect(calls).toEqual([]);
    expect(monitor.stalled).toBe(false);
  });

  test('media gone, signalling alive: one ICE-restart re-INVITE within stallMs + a poll, then one per retryMs', async () => {
    const { monitor, calls, state, run, clock, at } = setup();
    monitor.start();
    await run(1000);
    state.flowing = false;
    const stoppedAt = clock.now();
    await run(stallMs + pollMs);
    expect(calls).toEqual([`probe ${probeMs}`, 'restart']);
    expect(monitor.stalled).toBe(true);
    expect(at[0] - stoppedAt).toBeLessThanOrEqual(stallMs + pollMs);
    await run(retryMs * 2);
    expect(calls).toEqual([`probe ${probeMs}`, 'restart', `probe ${probeMs}`, 'restart', `probe ${probeMs}`, 'restart']);
    // one try per retryMs (to the poll step)
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(retryMs);
    expect(at[1] - at[0]).toBeLessThan(retryMs + pollMs);
  });

  test('media back after the restart: no more tries, no longer stalled', async () => {
    const { monitor, calls, state, run } = setup();
    monitor.start();
    await run(600);
    state.flowing = false;
    await run(stallMs + pollMs);
    state.flowing = true;
    await run(retryMs * 2);
    expect(calls).toEqual([`probe ${probeMs}`, 'restart']);
    expect(monitor.stalled).toBe(false);
  });

  test('media gone and the socket does not answer: the connection is replaced, no re-INVITE on it', async () => {
    const { monitor, calls, state, run } = setup({ alive: false });
    monitor.start();
    await run(600);
    state.flowing = false;
    await run(stallMs + pollMs);
    expect(calls).toEqual([`probe ${probeMs}`, `replace: media gone and no answer to a keep-alive within ${probeMs} ms (network change?)`]);
    // the refresh after reconnecting must restart ICE
    expect(monitor.stalled).toBe(true);
  });

  test('signalling down (a reconnect is under way): nothing sent until the dialog is refreshed on the new connection', async () => {
    const { monitor, calls, state, run } = setup({ signalling: false });
    monitor.start();
    await run(600);
    state.flowing = false;
    await run(stallMs * 3);
    expect(calls).toEqual([]);
    expect(monitor.stalled).toBe(true);
    // reconnected and refreshed: the old pair gets graceMs to carry media again, then ICE restarts
    monitor.reconnected();
    state.signalling = true;
    await run(graceMs - pollMs);
    expect(calls).toEqual([]);
    await run(pollMs * 2);
    expect(calls).toEqual([`probe ${probeMs}`, 'restart']);
  });

  test('the old pair carries media again within graceMs after the reconnect: no ICE restart', async () => {
    const { monitor, calls, state, run } = setup({ signalling: false });
    monitor.start();
    await run(600);
    state.flowing = false;
    await run(stallMs * 2);
    monitor.reconnected();
    state.signalling = true;
    state.flowing = true;
    await run(retryMs * 2);
    expect(calls).toEqual([]);
    expect(monitor.stalled).toBe(false);
  });

  test('on hold: silence is expected', async () => {
    const { monitor, calls, state, run } = setup();
    monitor.start();
    state.flowing = false;
    state.paused = true;
    await run(5000);
    expect(calls).toEqual([]);
  });

  test('ICE says disconnected: acts at once (nudge), without waiting for stallMs', async () => {
    const { monitor, calls, state, run } = setup();
    monitor.start();
    await run(600);
    state.iceDown = true;
    monitor.nudge();
    await run(0);
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([`probe ${probeMs}`, 'restart']);
  });

  test('stop(): no timers left, no late action', async () => {
    const { monitor, calls, state, clock, run } = setup();
    monitor.start();
    state.flowing = false;
    monitor.stop();
    expect(clock.pending()).toBe(0);
    await run(5000);
    monitor.nudge();
    await run(0);
    expect(calls).toEqual([]);
  });
});
