import { EventEmitter } from 'node:events';
import { RESTART_GATHER_MS, applyFastIce, iceRestartPending, type IceCandidateEvent } from './fast-ice';

const desc = (ufrag: string) => ({ type: 'offer', sdp: `v=0\r\na=ice-ufrag:${ufrag}\r\n` }) as RTCSessionDescription;
const tcp = 'candidate:1 1 tcp 1518280447 127.100.0.2 9 typ host tcptype active';
const udp = 'candidate:2 1 udp 2122260223 127.100.0.3 40000 typ host';

function session(connection: { pendingLocalDescription: RTCSessionDescription | null; currentLocalDescription: RTCSessionDescription | null }) {
  const s = Object.assign(new EventEmitter(), { connection });
  const ready = jest.fn();
  const candidate = (line: string) => s.emit('icecandidate', { candidate: { candidate: line }, ready } satisfies IceCandidateEvent);
  return { s, ready, candidate };
}

describe('fast ICE', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('an ICE restart is an offer being gathered with new credentials', () => {
    expect(iceRestartPending({ pendingLocalDescription: desc('new'), currentLocalDescription: desc('old') })).toBe(true);
    expect(iceRestartPending({ pendingLocalDescription: desc('same'), currentLocalDescription: desc('same') })).toBe(false);
    // the first offer of a call: nothing negotiated yet
    expect(iceRestartPending({ pendingLocalDescription: desc('new'), currentLocalDescription: null })).toBe(false);
    expect(iceRestartPending(null)).toBe(false);
  });

  test('an offer goes out on the first UDP candidate, or iceGatheringTimeout after one that is no use', () => {
    const { s, ready, candidate } = session({ pendingLocalDescription: desc('a'), currentLocalDescription: null });
    applyFastIce(s as never, false, 300);
    candidate(tcp);
    jest.advanceTimersByTime(299);
    expect(ready).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(ready).toHaveBeenCalledTimes(1);

    const other = session({ pendingLocalDescription: desc('a'), currentLocalDescription: null });
    applyFastIce(other.s as never, false, 300);
    other.candidate(udp);
    expect(other.ready).toHaveBeenCalledTimes(1);
  });

  test('an ICE restart waits up to RESTART_GATHER_MS for a usable candidate, and goes the moment it comes', () => {
    const { s, ready, candidate } = session({ pendingLocalDescription: desc('new'), currentLocalDescription: desc('old') });
    applyFastIce(s as never, false, 300);
    candidate(tcp);
    jest.advanceTimersByTime(1500);
    expect(ready).not.toHaveBeenCalled();
    candidate(udp);
    expect(ready).toHaveBeenCalledTimes(1);
    s.emit('sdp');

    // and never waits for ever: nothing usable within RESTART_GATHER_MS, the offer goes with what it has
    const other = session({ pendingLocalDescription: desc('new'), currentLocalDescription: desc('old') });
    applyFastIce(other.s as never, false, 300);
    other.candidate(tcp);
    jest.advanceTimersByTime(RESTART_GATHER_MS);
    expect(other.ready).toHaveBeenCalledTimes(1);
  });
});
