import { createKazooFacade } from './kazoo';
import type { RegisterParams } from './params';
import { fakeClock } from '../../test/support/engine/fake-clock';
import { FakeTransport } from '../../test/support/engine/fake-transport';
import type { KazooError } from '../catalogue/events';
import type { OnDemandTransport } from './kazoo';

// the facade decides WebRTC by looking for these, as a browser would have them
(globalThis as Record<string, unknown>).RTCPeerConnection ??= function RTCPeerConnection() {};
(globalThis as { navigator?: unknown }).navigator ??= { mediaDevices: { getUserMedia: () => Promise.resolve() } };

function setup() {
  const transports: FakeTransport[] = [];
  const lines: string[] = [];
  const k = createKazooFacade({
    transports: { webrtc: (env) => { const t = new FakeTransport(env.logger); transports.push(t); return t; } },
    clock: fakeClock(), network: { isOnline: () => undefined }, storage: null,
    logSink: (_level, line) => lines.push(line),
  });
  const errors: KazooError[] = [];
  const params = (extra: Partial<RegisterParams> = {}): RegisterParams => ({
    wsUrl: 'ws://127.0.0.1:8088/ws', realm: 'lab.test', privateIdentity: '1001', publicIdentity: 'sip:1001@lab.test',
    password: 'pw-very-secret', onError: (e) => errors.push(e), ...extra,
  });
  return { k, transports, errors, params, lines };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('the kazoo facade', () => {
  test('init picks WebRTC and calls onLoaded asynchronously', async () => {
    const { k } = setup();
    const loaded = jest.fn();
    k.init({ onLoaded: loaded });
    expect(loaded).not.toHaveBeenCalled();
    await tick();
    expect(loaded).toHaveBeenCalledTimes(1);
    expect(k.version).toBe('webrtc');
  });

  test('forceRTMP without an RTMP transport: onFlashMissing, then transport_unavailable', async () => {
    const { k, errors, params } = setup();
    const missing = jest.fn();
    const loaded = jest.fn();
    k.init({ forceRTMP: true, onFlashMissing: missing, onLoaded: loaded });
    await tick();
    expect(missing).toHaveBeenCalledTimes(1);
    expect(loaded).not.toHaveBeenCalled();
    expect(k.version).toBe('rtmp');
    k.register(params({ rtmpUrl: 'rtmp://127.0.0.1/sip' }));
    expect(errors.map((e) => e.key)).toEqual(['transport_unavailable']);
  });

  describe('a transport whose code is fetched on demand (dist/kazoo.js and RTMP)', () => {
    function onDemand(result: () => Promise<OnDemandTransport>) {
      const transports: FakeTransport[] = [];
      const urls: (string | undefined)[] = [];
      const lines: string[] = [];
      const k = createKazooFacade({
        transports: { webrtc: () => new FakeTransport() },
        load: { rtmp: (url) => { urls.push(url); return result(); } },
        clock: fakeClock(), network: { isOnline: () => undefined }, storage: null,
        logSink: (_level, line) => lines.push(line),
      });
      const factory = () => { const t = new FakeTransport(); transports.push(t); return t; };
      return { k, transports, urls, lines, factory };
    }
    const rtmpParams: RegisterParams = {
      rtmpUrl: 'rtmp://127.0.0.1/sip', realm: 'lab.test', privateIdentity: '1001', publicIdentity: 'sip:1001@lab.test', password: 'pw',
    };

    test('onLoaded only once the code has arrived; a register() made before it runs then', async () => {
      let arrive: (t: OnDemandTransport) => void = () => {};
      const { k, transports, urls, factory } = onDemand(() => new Promise((r) => { arrive = r; }));
      const loaded = jest.fn();
      k.init({ forceRTMP: true, onLoaded: loaded, rtmpScriptUrl: '/js/rtmp.js' });
      expect(urls).toEqual(['/js/rtmp.js']);
      expect(k.version).toBe('rtmp');
      k.register(rtmpParams);
      await tick();
      expect(loaded).not.toHaveBeenCalled();
      expect(transports).toHaveLength(0);
      arrive({ factory, available: () => true });
      await tick();
      expect(loaded).toHaveBeenCalledTimes(1);
      expect(transports).toHaveLength(1);
      expect(transports[0].settings).toMatchObject({ rtmpUrl: 'rtmp://127.0.0.1/sip', aor: 'sip:1001@lab.test' });
    });

    test('code that cannot be fetched, or cannot run here: onFlashMissing, a warning, transport_unavailable', async () => {
      for (const outcome of ['fetch fails', 'not runnable'] as const) {
        const { k, lines, factory } = onDemand(() =>
          outcome === 'fetch fails' ? Promise.reject(new Error('/dist/kazoo-rtmp-transport.js could not be fetched')) : Promise.resolve({ factory, available: () => false }),
        );
        const missing = jest.fn();
        const loaded = jest.fn();
        const errors: KazooError[] = [];
        k.init({ forceRTMP: true, onFlashMissing: missing, onLoaded: loaded });
        await tick();
        expect(missing).toHaveBeenCalledTimes(1);
        expect(loaded).not.toHaveBeenCalled();
        if (outcome === 'fetch fails') expect(lines.join('\n')).toMatch(/rtmp transport could not be loaded: .*could not be fetched/);
        k.register({ ...rtmpParams, onError: (e) => errors.push(e) });
        expect(errors.map((e) => e.key)).toEqual(['transport_unavailable']);
      }
    });

    test('an rtmpScriptUrl that is not a string is a TypeError, not silently the default', () => {
      const { k, urls } = onDemand(() => new Promise(() => {}));
      expect(() => k.init({ forceRTMP: true, rtmpScriptUrl: 42 as unknown as string })).toThrow(TypeError);
      expect(urls).toEqual([]);
    });

    test('a WebRTC page never fetches it; a newer init() wins over a fetch still in flight', async () => {
      let arrive: (t: OnDemandTransport) => void = () => {};
      const { k, transports, urls, factory } = onDemand(() => new Promise((r) => { arrive = r; }));
      const first = jest.fn();
      const second = jest.fn();
      k.init({ onLoaded: second });
      await tick();
      expect(urls).toEqual([]);
      k.init({ forceRTMP: true, onLoaded: first });
      k.init({ onLoaded: second });
      arrive({ factory, available: () => true });
      await tick();
      expect(first).not.toHaveBeenCalled();
      expect(second).toHaveBeenCalledTimes(2);
      expect(k.version).toBe('webrtc');
      expect(transports).toHaveLength(0);
    });
  });

  test('register before init initialises; register twice and init while registered are refused', async () => {
    const { k, transports, errors, params } = setup();
    k.register(params());
    expect(transports).toHaveLength(1);
    expect(transports[0].settings).toMatchObject({ aor: 'sip:1001@lab.test', authUser: '1001', realm: 'lab.test' });
    k.register(params());
    k.init({});
    expect(errors.map((e) => e.key)).toEqual(['already_registered', 'already_registered']);
    await k.logout();
    k.register(params());
    expect(transports).toHaveLength(2);
  });

  test('the register parameters of the 2014 examples, and programming errors as TypeError', () => {
    const { k, transports, params } = setup();
    k.init({});
    k.register(params({ reconnectMaxAttempts: 3, reconnectDelay: 10000, forceRTMP: true }));
    expect(k.version).toBe('webrtc'); // init's choice wins, as in the 2014 library
    expect(transports[0].settings?.fastIce).toBe(true);
    expect(() => k.register(null as unknown as RegisterParams)).toThrow(TypeError);
    expect(() => k.connect(42 as unknown as string)).toThrow(TypeError);
    expect(() => k.sendDTMF(undefined as unknown as string)).toThrow(TypeError);
    expect(() => k.muteMicrophone('yes' as unknown as boolean)).toThrow(TypeError);
  });

  test('methods before register report not_registered instead of throwing', () => {
    const { k, lines } = setup();
    const mute = jest.fn();
    k.connect('sip:1002@lab.test');
    k.hangup();
    k.reconnect();
    k.muteMicrophone(true, undefined, (e) => { mute(e.key); });
    expect(mute).toHaveBeenCalledWith('not_registered');
    // no onError given yet: the errors go to the log
    expect(lines.filter((l) => l.includes('not_registered'))).toHaveLength(3);
  });

  test.each([false, true])('connect/hangup/sendDTMF/transfer before register (init first: %s): a console error with key and message each', async (initFirst) => {
    const logged: [string, string][] = [];
    const k = createKazooFacade({
      transports: { webrtc: () => new FakeTransport() }, clock: fakeClock(), network: { isOnline: () => undefined }, storage: null,
      logSink: (level, line) => logged.push([level, line]),
    });
    if (initFirst) {
      k.init({});
      await tick();
    }
    k.connect('sip:1002@lab.test');
    k.hangup();
    k.sendDTMF('1');
    k.transfer('sip:1003@lab.test');
    expect(logged).toEqual(Array(4).fill(['error', '[kazoo] not_registered: Not registered: call register() first.']));
  });

  test('monitorConnectivity(false) holds across init(), and a call before init() is applied at init', async () => {
    const started: string[] = [];
    const network = {
      isOnline: () => true,
      addEventListener: (t: string) => started.push(t),
      removeEventListener: () => undefined,
    };
    const k = createKazooFacade({ transports: { webrtc: () => new FakeTransport() }, clock: fakeClock(), network, storage: null, logSink: null });
    const reg: RegisterParams = { wsUrl: 'ws://127.0.0.1:8088/ws', realm: 'lab.test', privateIdentity: '1001', password: 'pw' };
    k.monitorConnectivity(false); // before init: remembered
    k.init({});
    k.register(reg);
    expect(started).toEqual([]);
    await k.logout();
    k.init({}); // a later init does not turn it back on
    k.register(reg);
    expect(started).toEqual([]);
    k.monitorConnectivity(true); // only the page does
    expect(started).toEqual(['online', 'offline']);
    await k.logout();
  });

  test('the password never reaches a log line', async () => {
    const { k, transports, params, lines } = setup();
    k.init({ debug: true });
    k.register(params());
    transports[0].up();
    transports[0].drop();
    k.connect('not a uri');
    await k.logout();
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain('pw-very-secret');
  });
});
