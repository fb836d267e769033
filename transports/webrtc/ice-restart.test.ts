import { fakeClock } from '../../test/support/engine/fake-clock';
import { ICE_RESTART_DEFAULTS, IceRestartMonitor, udpAddresses, unofferedCandidate, type IceRestartHooks } from './ice-restart';

/** let pending promise callbacks run (the packet count and the probe are async) */
const flush = async () => { for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); };

const { pollMs, stallMs, probeMs, retryMs, graceMs, provenMs } = ICE_RESTART_DEFAULTS;

function setup(o: { alive?: boolean; signalling?: boolean } = {}) {
  const clock = fakeClock();
  const state = { packets: 0, flowing: true, paused: false, iceDown: false, alive: o.alive ?? true, signalling: o.signalling ?? true, unoffered: false };
  const calls: string[] = [];
  /** when each restart went out */
  const at: number[] = [];
  const hooks: IceRestartHooks = {
    packetsReceived: async () => state.packets,
    paused: () => state.paused,
    iceDown: () => state.iceDown,
    unoffered: () => state.unoffered,
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
  /** media flowing, then gone with the connection; a new one refreshed the dialog (reconnected()) */
  const lostThenReconnected = async () => {
    monitor.start();
    await run(600);
    state.flowing = false;
    await run(stallMs * 2);
    monitor.reconnected();
    state.signalling = true;
  };
  return { clock, state, calls, at, monitor, run, lostThenReconnected };
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
    const { monitor, calls, state, run, clock, at } = setup({ signalling: false });
    monitor.start();
    await run(600);
    state.flowing = false;
    await run(stallMs * 3);
    expect(calls).toEqual([]);
    expect(monitor.stalled).toBe(true);
    // reconnected and refreshed: the old pair gets graceMs to carry media again, then ICE restarts the
    // moment the grace ends (not at the next poll), without a keep-alive: the refresh proved the socket
    const refreshedAt = clock.now();
    monitor.reconnected();
    state.signalling = true;
    await run(graceMs - 50);
    expect(calls).toEqual([]);
    clock.advance(50);
    await flush();
    expect(calls).toEqual(['restart']);
    expect(at[0] - refreshedAt).toBe(graceMs);
    // the next try, retryMs later and long after the refresh, asks the socket first again
    expect(retryMs).toBeGreaterThan(provenMs);
    await run(retryMs);
    expect(calls).toEqual(['restart', `probe ${probeMs}`, 'restart']);
  });

  test('the old pair carries media again within graceMs after the reconnect: no ICE restart', async () => {
    const { monitor, calls, state, run, lostThenReconnected } = setup({ signalling: false });
    await lostThenReconnected();
    state.flowing = true;
    await run(retryMs * 2);
    expect(calls).toEqual([]);
    expect(monitor.stalled).toBe(false);
  });

  test('a candidate the far end was not offered turns up while the media is gone: a new offer at once, not retryMs later', async () => {
    const { monitor, calls, state, run, clock, at } = setup();
    monitor.start();
    await run(600);
    state.flowing = false;
    await run(stallMs + pollMs);
    expect(calls).toEqual([`probe ${probeMs}`, 'restart']);
    // the restart's offer left without the new address; Chromium gathers on it a second later
    await run(1000);
    state.unoffered = true;
    const foundAt = clock.now();
    monitor.nudge();
    await flush();
    expect(calls).toEqual([`probe ${probeMs}`, 'restart', `probe ${probeMs}`, 'restart']);
    expect(at[1]).toBe(foundAt);
    // still news (a multi-homed host's other candidates, never offered): no storm, one early try per
    // outage, then one per retryMs as before
    await run(retryMs - pollMs);
    monitor.nudge();
    await flush();
    expect(calls).toHaveLength(4);
    await run(retryMs * 2);
    expect(calls).toHaveLength(8);
    expect(at[3] - at[2]).toBeGreaterThanOrEqual(retryMs);
    // the media came back and went again: a new outage, the try when it is noticed and, the news still
    // there, one early try again; then nothing more until retryMs
    state.flowing = true;
    await run(pollMs * 2);
    state.flowing = false;
    await run(stallMs + pollMs * 2);
    expect(calls).toHaveLength(12);
    await run(retryMs - pollMs * 3);
    expect(calls).toHaveLength(12);
  });

  test('a candidate not offered during the grace after a reconnect: the old pair still gets its grace', async () => {
    const { monitor, calls, state, run, lostThenReconnected } = setup({ signalling: false });
    await lostThenReconnected();
    state.unoffered = true;
    monitor.nudge();
    await flush();
    expect(calls).toEqual([]);
    await run(graceMs);
    expect(calls).toEqual(['restart']);
  });

  test('a candidate not offered while the media flows: nothing to do', async () => {
    const { monitor, calls, state, run } = setup();
    monitor.start();
    state.unoffered = true;
    await run(3000);
    monitor.nudge();
    await flush();
    expect(calls).toEqual([]);
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

describe('candidates the far end was not offered', () => {
  const sdp = (...addresses: string[]) => ['v=0', ...addresses.map((a, i) => `a=candidate:${i} 1 udp 2122260223 ${a} ${40000 + i} typ host`), 'a=candidate:9 1 tcp 1518280447 127.100.0.9 9 typ host tcptype active', ''].join('\r\n');
  const pc = (signalingState: string, local: string) => ({ signalingState, localDescription: { sdp: local } }) as unknown as RTCPeerConnection;

  test('the UDP candidates\' addresses of an SDP', () => {
    expect([...udpAddresses(sdp('127.100.0.2', '127.100.0.3'))]).toEqual(['127.100.0.2', '127.100.0.3']);
    expect(udpAddresses('v=0\r\n').size).toBe(0);
  });

  test('a UDP candidate gathered after the offer went out, on another address, with no offer in flight', () => {
    const offered = udpAddresses(sdp('127.100.0.2'));
    expect(unofferedCandidate(pc('stable', sdp('127.100.0.3')), offered)).toBe(true);
    expect(unofferedCandidate(pc('stable', sdp('127.100.0.2')), offered)).toBe(false);
    // an offer being gathered or waiting for its answer carries what it has: not news
    expect(unofferedCandidate(pc('have-local-offer', sdp('127.100.0.3')), offered)).toBe(false);
    // nothing sent yet: nothing to compare with
    expect(unofferedCandidate(pc('stable', sdp('127.100.0.3')), new Set())).toBe(false);
    expect(unofferedCandidate(null, offered)).toBe(false);
  });
});
