import { EventEmitter } from 'eventemitter3';
import { fakeClock } from '../../test/support/engine/fake-clock';
import { guardSession } from './session-guard';
import { RequestQueue } from './request-queue';
import { MediaWatchdog } from './media-watchdog';
import { mediaPathDown, refreshDialog, type RefreshableSession } from './dialog-refresh';
import { FAST_RETRY_MS, FAST_RETRY_WINDOW_MS, SipWebSocket } from './sip-socket';

/** let pending promise callbacks run (the watchdog's getStats read is async) */
const flush = () => new Promise((r) => setImmediate(r));

describe('guardSession', () => {
  function session(established: boolean) {
    const failCall = jest.fn();
    const s = { isEstablished: () => established, isEnded: () => false, onTransportError: failCall };
    return { s, failCall };
  }
  test('an established call survives a transport error: reported as lost, not terminated', () => {
    const { s, failCall } = session(true);
    const lost = jest.fn();
    guardSession(s, lost);
    s.onTransportError();
    expect(lost).toHaveBeenCalledTimes(1);
    expect(failCall).not.toHaveBeenCalled();
  });
  test('a call still being set up fails as before', () => {
    const { s, failCall } = session(false);
    const lost = jest.fn();
    guardSession(s, lost);
    s.onTransportError();
    expect(failCall).toHaveBeenCalledTimes(1);
    expect(lost).not.toHaveBeenCalled();
  });
});

describe('RequestQueue', () => {
  test('sends in order on flush, once', () => {
    const q = new RequestQueue(4);
    const sent: string[] = [];
    for (const d of ['1', '2', '3']) q.push({ what: d, send: () => sent.push(d), refuse: () => sent.push(`x${d}`) });
    expect(sent).toEqual([]);
    q.flush();
    q.flush();
    expect(sent).toEqual(['1', '2', '3']);
    expect(q.size).toBe(0);
  });
  test('refuses beyond its limit, and everything left when the call ends', () => {
    const q = new RequestQueue(2);
    const refused: string[] = [];
    const push = (d: string) => q.push({ what: d, send: () => undefined, refuse: (r) => refused.push(`${d}: ${r}`) });
    expect(push('a')).toBe(true);
    expect(push('b')).toBe(true);
    expect(push('c')).toBe(false);
    expect(refused).toEqual(['c: more than 2 requests waiting for the connection']);
    q.refuseAll('ended');
    expect(refused).toEqual(['c: more than 2 requests waiting for the connection', 'a: ended', 'b: ended']);
  });
});

describe('MediaWatchdog', () => {
  function setup(timeoutMs = 30_000) {
    const clock = fakeClock();
    let packets = 0;
    let onHold = false;
    const dead = jest.fn();
    const w = new MediaWatchdog(clock, { packetsReceived: async () => packets, paused: () => onHold, dead }, { timeoutMs, pollMs: 1000 });
    const step = async (ms: number, grow: boolean) => {
      for (let t = 0; t < ms; t += 1000) {
        if (grow) packets += 50;
        clock.advance(1000);
        await flush();
      }
    };
    return { w, clock, dead, step, hold: (h: boolean) => { onHold = h; } };
  }
  test('flowing audio keeps the call; 30 s without a packet ends it once', async () => {
    const { w, dead, step, clock } = setup();
    w.start();
    await step(60_000, true);
    expect(dead).not.toHaveBeenCalled();
    await step(29_000, false);
    expect(dead).not.toHaveBeenCalled();
    await step(1000, false);
    expect(dead).toHaveBeenCalledTimes(1);
    expect(dead.mock.calls[0][0]).toBeGreaterThanOrEqual(30_000);
    expect(w.isRunning).toBe(false);
    expect(clock.pending()).toBe(0);
  });
  test('silence on hold is expected', async () => {
    const { w, dead, step, hold } = setup(5000);
    w.start();
    hold(true);
    await step(20_000, false);
    expect(dead).not.toHaveBeenCalled();
    hold(false);
    await step(5000, false);
    expect(dead).toHaveBeenCalledTimes(1);
  });
  test('timeout 0 never starts; stop() clears the timer', async () => {
    const off = setup(0);
    off.w.start();
    expect(off.clock.pending()).toBe(0);
    const on = setup();
    on.w.start();
    on.w.stop();
    expect(on.clock.pending()).toBe(0);
  });
});

describe('refreshDialog', () => {
  class FakeSession extends EventEmitter implements RefreshableSession {
    ended = false;
    ready = true;
    connection = { iceConnectionState: 'connected', connectionState: 'connected', signalingState: 'stable', setLocalDescription: jest.fn(async () => undefined) } as unknown as RTCPeerConnection;
    sent: Array<{ iceRestart: boolean; handlers: { succeeded?: () => void; failed?: (r?: unknown) => void } }> = [];
    isEstablished() { return !this.ended; }
    isEnded() { return this.ended; }
    isReadyToReOffer() { return this.ready; }
    _sendReinvite(o: { eventHandlers: { succeeded?: () => void; failed?: () => void }; rtcOfferConstraints?: RTCOfferOptions | null }) {
      this.sent.push({ iceRestart: !!o.rtcOfferConstraints?.iceRestart, handlers: o.eventHandlers });
    }
    /** how the far end answers the path probe (in-dialog OPTIONS); null: the test answers it */
    optionsStatus: number | null = 200;
    probes: Array<{ onSuccessResponse?: (r: { status_code: number }) => void; onErrorResponse?: (r: { status_code: number }) => void; onDialogError?: () => void }> = [];
    sendRequest(_m: 'OPTIONS', o: { eventHandlers: FakeSession['probes'][number] }) {
      this.probes.push(o.eventHandlers);
      const st = this.optionsStatus;
      if (st === null) return;
      if (st < 300) o.eventHandlers.onSuccessResponse?.({ status_code: st });
      else o.eventHandlers.onErrorResponse?.({ status_code: st });
    }
    onDialogError = jest.fn(() => { this.ended = true; });
  }
  test('a 2xx refreshes; a plain re-INVITE while the media flows', async () => {
    const s = new FakeSession();
    const p = refreshDialog(s, { clock: fakeClock() });
    expect(s.sent).toHaveLength(1);
    expect(s.sent[0].iceRestart).toBe(false);
    s.sent[0].handlers.succeeded?.();
    await expect(p).resolves.toBe('refreshed');
  });
  test('an ICE restart when the media path is down too', () => {
    const s = new FakeSession();
    (s.connection as unknown as { iceConnectionState: string }).iceConnectionState = 'disconnected';
    expect(mediaPathDown(s.connection)).toBe(true);
    void refreshDialog(s, { clock: fakeClock() });
    expect(s.sent[0].iceRestart).toBe(true);
  });
  test('481 from the far end: JsSIP ends the session, the outcome says ended', async () => {
    const s = new FakeSession();
    const p = refreshDialog(s, { clock: fakeClock() });
    s.ended = true;
    s.emit('ended');
    await expect(p).resolves.toBe('ended');
    expect(s.listenerCount('ended')).toBe(0);
  });
  test('a refused refresh keeps the call and rolls the offer back', async () => {
    const s = new FakeSession();
    (s.connection as unknown as { signalingState: string }).signalingState = 'have-local-offer';
    const p = refreshDialog(s, { clock: fakeClock() });
    s.sent[0].handlers.failed?.({ status_code: 488 });
    await expect(p).resolves.toBe('refused');
    expect(s.connection?.setLocalDescription).toHaveBeenCalledWith({ type: 'rollback' });
  });
  test('a proxy that cannot reach the far end now (477 after a restart, 480 from a GRUU lookup): unreachable, worth a retry', async () => {
    for (const status of [477, 480, 404, 503]) {
      const s = new FakeSession();
      const p = refreshDialog(s, { clock: fakeClock() });
      s.sent[0].handlers.failed?.({ status_code: status });
      await expect(p).resolves.toBe('unreachable');
    }
    const s = new FakeSession();
    const p = refreshDialog(s, { clock: fakeClock() });
    s.sent[0].handlers.failed?.({ status_code: 488 });
    await expect(p).resolves.toBe('refused');
  });
  test('the path is asked first (in-dialog OPTIONS): no offer while the proxy cannot reach the far end, so no rollback', async () => {
    const s = new FakeSession();
    s.optionsStatus = 480;
    await expect(refreshDialog(s, { clock: fakeClock() })).resolves.toBe('unreachable');
    expect(s.probes).toHaveLength(1);
    expect(s.sent).toHaveLength(0);
    // the far end answers anything at all (even 501): it is reachable, the re-INVITE follows
    const t = new FakeSession();
    t.optionsStatus = 501;
    void refreshDialog(t, { clock: fakeClock() });
    expect(t.sent).toHaveLength(1);
    // 481 to the probe: the dialog is gone, JsSIP ends the session
    const u = new FakeSession();
    u.optionsStatus = null;
    const p = refreshDialog(u, { clock: fakeClock() });
    u.probes[0].onDialogError?.();
    await expect(p).resolves.toBe('ended');
    expect(u.onDialogError).toHaveBeenCalledTimes(1);
    expect(u.sent).toHaveLength(0);
  });
  test('waits for a pending offer/answer, gives up after waitMs', async () => {
    const clock = fakeClock();
    const s = new FakeSession();
    s.ready = false;
    const p = refreshDialog(s, { clock, waitMs: 1000, stepMs: 100 });
    clock.advance(500);
    expect(s.sent).toHaveLength(0);
    s.ready = true;
    clock.advance(100);
    expect(s.sent).toHaveLength(1);
    s.sent[0].handlers.succeeded?.();
    await expect(p).resolves.toBe('refreshed');

    const busy = new FakeSession();
    busy.ready = false;
    const q = refreshDialog(busy, { clock, waitMs: 1000, stepMs: 100 });
    clock.advance(1100);
    await expect(q).resolves.toBe('busy');
    expect(busy.sent).toHaveLength(0);
    expect(clock.pending()).toBe(0);
  });
});

describe('SipWebSocket fast retry', () => {
  /** a WebSocket whose fate the test decides: open() or refuse() (closed before it opened) */
  class FakeWs {
    static made: FakeWs[] = [];
    readyState = 0;
    binaryType = 'blob';
    onopen: (() => void) | null = null;
    onclose: ((e: { wasClean: boolean; code: number; reason: string }) => void) | null = null;
    onmessage: unknown = null;
    onerror: unknown = null;
    constructor() { FakeWs.made.push(this); }
    open() { this.readyState = 1; this.onopen?.(); }
    refuse() { this.readyState = 3; this.onclose?.({ wasClean: false, code: 1006, reason: '' }); }
    close() { this.readyState = 3; }
    send() { /* nothing */ }
  }
  function setup(callUp: boolean) {
    FakeWs.made = [];
    const socket = new SipWebSocket('ws://127.0.0.1:8088/ws', FakeWs as unknown as ConstructorParameters<typeof SipWebSocket>[1]);
    socket.fastRetry = () => callUp;
    let up = false;
    socket.serverUp = async () => up;
    const seen: string[] = [];
    socket.onconnect = () => seen.push('connect');
    socket.ondisconnect = () => seen.push('disconnect');
    return { socket, seen, serverBack: () => { up = true; } };
  }
  /** timers, then the promise callbacks they started */
  const tick = async (ms: number) => { jest.advanceTimersByTime(ms); await Promise.resolve(); await Promise.resolve(); };
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('while a call is up a refused connection is retried as soon as the server answers again (asked every FAST_RETRY_MS), unseen by JsSIP', async () => {
    const { socket, seen, serverBack } = setup(true);
    socket.connect();
    FakeWs.made[0].refuse();
    expect(seen).toEqual([]);
    expect(socket.isConnecting()).toBe(true);
    for (let i = 0; i < 5; i++) await tick(FAST_RETRY_MS);
    // no WebSocket while the server does not answer (Chromium throttles a page's failing WebSockets)
    expect(FakeWs.made).toHaveLength(1);
    serverBack();
    await tick(FAST_RETRY_MS);
    expect(FakeWs.made).toHaveLength(2);
    FakeWs.made[1].open();
    expect(seen).toEqual(['connect']);
    expect(socket.isConnected()).toBe(true);
  });

  test('the retries stop after FAST_RETRY_WINDOW_MS: the failure is reported as before', async () => {
    const { socket, seen } = setup(true);
    socket.connect();
    FakeWs.made[0].refuse();
    for (let t = 0; t < FAST_RETRY_WINDOW_MS - FAST_RETRY_MS; t += FAST_RETRY_MS) await tick(FAST_RETRY_MS);
    expect(seen).toEqual([]);
    await tick(2 * FAST_RETRY_MS);
    expect(seen).toEqual(['disconnect']);
    expect(socket.isConnecting()).toBe(false);
  });

  test('without a call a refused connection is reported at once; disconnect() cancels a pending retry', () => {
    const idle = setup(false);
    idle.socket.connect();
    FakeWs.made[0].refuse();
    expect(idle.seen).toEqual(['disconnect']);

    const busy = setup(true);
    busy.socket.connect();
    FakeWs.made[0].refuse();
    busy.socket.disconnect();
    jest.advanceTimersByTime(10 * FAST_RETRY_MS);
    expect(FakeWs.made).toHaveLength(1);
    expect(busy.socket.isConnecting()).toBe(false);
  });
});
