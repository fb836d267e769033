import { Phone } from './phone';
import { reconnectOptionsFrom } from '../monitors/reconnect';
import { createLogger } from '../util/logger';
import { fakeClock } from '../../test/support/engine/fake-clock';
import { FakeCall, FakeTransport } from '../../test/support/engine/fake-transport';
import type { RegistrationSettings } from '../transport';

const settings: RegistrationSettings = {
  aor: 'sip:1001@lab.test', authUser: '1001', password: 'pw-123456', realm: 'lab.test', wsUrl: 'ws://127.0.0.1:8088/ws',
  instanceId: '00000000-0000-4000-8000-000000000000', registerExpires: 300, iceServers: [], fastIce: true,
  iceGatheringTimeout: 300, dtmfType: 'info', userAgent: 'test',
};

function setup(max = -1, delay = 2000) {
  const clock = fakeClock();
  const transports: FakeTransport[] = [];
  let online: boolean | undefined = true;
  const listeners: Record<string, () => void> = {};
  const network = {
    isOnline: () => online,
    addEventListener: (t: 'online' | 'offline', fn: () => void) => { listeners[t] = fn; },
    removeEventListener: () => undefined,
  };
  const phone = new Phone({
    createTransport: () => { const t = new FakeTransport(); transports.push(t); return t; },
    clock, network, logger: createLogger(null, () => false),
  }, reconnectOptionsFrom(max, delay));
  const seen: string[] = [];
  for (const ev of ['connected', 'accepted', 'hangup', 'transfer'] as const) phone.on(ev, () => seen.push(ev));
  phone.on('cancel', (d) => seen.push(`cancel ${d.event} ${d.code ?? ''}`.trim()));
  phone.on('incoming', () => seen.push('incoming'));
  phone.on('notified', (n) => seen.push(`notified ${n.key}${'attempt' in n ? ` ${n.attempt}` : ''}${'status' in n ? ` ${n.status}` : ''}`));
  phone.on('error', (e) => seen.push(`error ${e.key}${e.code ? ` ${e.code}` : ''}`));
  phone.register(settings, reconnectOptionsFrom(max, delay));
  const goOnline = (v: boolean) => { online = v; listeners[v ? 'online' : 'offline']?.(); };
  return { clock, phone, seen, t: () => transports[transports.length - 1], transports, goOnline };
}

describe('Phone: before register()', () => {
  test('connect, hangup, sendDTMF, transfer, mute: not_registered (not no_call), each once', () => {
    const phone = new Phone({
      createTransport: () => new FakeTransport(), clock: fakeClock(), network: { isOnline: () => undefined }, logger: createLogger(null, () => false),
    }, reconnectOptionsFrom(-1, 2000));
    const errors: unknown[] = [];
    phone.on('error', (e) => errors.push(e));
    phone.connect('sip:1002@lab.test');
    phone.hangup();
    phone.sendDTMF('1');
    phone.transfer('sip:1003@lab.test');
    expect(phone.mute(true)).toEqual({ key: 'not_registered', message: 'Not registered: call register() first.', source: { protocol: 'engine' } });
    expect(errors).toEqual(Array(4).fill({ key: 'not_registered', message: 'Not registered: call register() first.', source: { protocol: 'engine' } }));
  });
});

describe('Phone: registration and reconnects', () => {
  test('onConnected once per registration', () => {
    const { seen, t } = setup();
    t().up();
    t().emit('registered');
    expect(seen).toEqual(['connected']);
  });

  test('never connected: server_not_reachable, transport stopped, no retry', () => {
    const { clock, seen, t } = setup();
    t().drop(true);
    clock.advance(60_000);
    expect(seen).toEqual(['error server_not_reachable']);
    expect(t().log).toEqual(['start', 'stop']);
  });

  test('unexpected drop: disconnected, attempts with notifications, onConnected again', () => {
    const { clock, seen, t } = setup(-1, 2000);
    t().up();
    t().drop();
    clock.advance(500);
    t().drop(); // attempt 1 fails
    clock.advance(2000);
    t().up(); // attempt 2 works
    expect(seen).toEqual(['connected', 'error disconnected', 'notified reconnecting_notification 1', 'notified reconnecting_notification 2', 'connected']);
    expect(t().log).toEqual(['start', 'reconnect', 'reconnect']);
  });

  test('reconnectMaxAttempts 0: no attempt; the page may still reconnect()', () => {
    const { clock, phone, seen, t } = setup(0);
    t().up();
    t().drop();
    clock.advance(60_000);
    expect(seen).toEqual(['connected', 'error disconnected']);
    phone.reconnect();
    t().up();
    expect(seen.slice(2)).toEqual(['notified reconnecting_notification 1', 'connected']);
  });

  test('exhausted attempts end with server_not_reachable', () => {
    const { clock, seen, t } = setup(2, 2000);
    t().up();
    t().drop();
    clock.advance(500);
    t().drop();
    clock.advance(2000);
    t().drop();
    clock.advance(60_000);
    expect(seen.slice(-1)).toEqual(['error server_not_reachable']);
    expect(seen.filter((s) => s.startsWith('notified reconnecting')).length).toBe(2);
  });

  test.each([401, 407, 403])('wrong credentials answered %i: unauthorized once (the status in code and source), no retries', (code) => {
    const a = setup();
    const errors: unknown[] = [];
    a.phone.on('error', (e) => errors.push(e));
    a.t().emit('registrationFailed', { code, reason: 'No', source: { protocol: 'webrtc' } });
    a.clock.advance(60_000);
    expect(a.seen).toEqual([`error unauthorized ${code}`]);
    expect(errors).toEqual([{ key: 'unauthorized', message: 'Invalid credentials.', code, source: { protocol: 'webrtc', code } }]);
    expect(a.t().log).toEqual(['start', 'stop']);
  });

  test('replaced registration: notified once, refresh stopped, no auto-reconnect after a drop', () => {
    const { clock, seen, t } = setup();
    t().up();
    const n = { event: 'registration-overwrite', contentType: 'text/plain', body: 'Replaced-By:sip:x@y', source: { protocol: 'webrtc' as const } };
    t().emit('notify', n);
    t().emit('notify', n);
    t().drop();
    clock.advance(60_000);
    expect(seen).toEqual(['connected', 'notified replaced_registration', 'error disconnected']);
    expect(t().log).toContain('stopRefresh');
    expect(t().log).not.toContain('reconnect');
  });

  test('network back: a live connection is probed, not torn down; a dead one is dropped (the page hears disconnected) and replaced', async () => {
    const { clock, seen, t, goOnline, phone } = setup();
    phone.monitorConnectivity(true);
    t().up();
    goOnline(false);
    goOnline(true);
    await Promise.resolve();
    expect(t().log).toEqual(['start', 'probe']);
    t().probeAnswer = false;
    goOnline(false);
    goOnline(true);
    await Promise.resolve();
    await Promise.resolve();
    clock.advance(500);
    expect(t().log).toEqual(['start', 'probe', 'probe', 'dropDead no answer to a keep-alive within 2000 ms', 'reconnect']);
    expect(seen).toContain('notified connectivity_notification offline');
    expect(seen).toContain('notified connectivity_notification online');
  });

  test('a registered connection that stops answering its keep-alive: disconnected within 7 s, then the reconnect monitor', async () => {
    const { clock, phone, seen, t } = setup(-1, 2000);
    const errors: unknown[] = [];
    phone.on('error', (e) => errors.push(e));
    t().up();
    clock.advance(4000);
    await Promise.resolve();
    expect(t().log).toEqual(['start', 'probe']); // answered: the connection lives
    t().probeAnswer = null; // the gateway behind the tunnel dies right after that answer
    clock.advance(4000 + 2999);
    expect(seen).toEqual(['connected']);
    clock.advance(1); // 7 s after the last answer
    expect(t().log).toEqual(['start', 'probe', 'probe', 'dropDead no answer to a keep-alive within 3000 ms']);
    expect(errors).toEqual([{
      key: 'disconnected', message: expect.any(String),
      source: { protocol: 'webrtc', reason: 'no answer to a keep-alive within 3000 ms' },
    }]);
    expect(seen).toEqual(['connected', 'error disconnected']);
    clock.advance(500);
    expect(seen.slice(-1)).toEqual(['notified reconnecting_notification 1']);
    expect(t().log.slice(-1)).toEqual(['reconnect']);
    // no probing while reconnecting; it resumes once registered again
    t().probeAnswer = true;
    clock.advance(10_000);
    expect(t().log.filter((l) => l === 'probe')).toHaveLength(2);
    t().up();
    clock.advance(4000);
    expect(t().log.filter((l) => l === 'probe')).toHaveLength(3);
    await phone.logout();
    expect(clock.pending()).toBe(0);
  });

  test('the monitors\' notifications are {key, message, source} too, with their extra fields', () => {
    const { clock, phone, t, goOnline } = setup();
    const notes: Record<string, unknown>[] = [];
    phone.on('notified', (n) => notes.push(n as unknown as Record<string, unknown>));
    t().up();
    goOnline(false);
    t().drop();
    clock.advance(500);
    expect(notes[0]).toMatchObject({
      key: 'connectivity_notification', message: 'You have lost your connection to the network.', status: 'offline',
      source: { protocol: 'engine', monitor: 'connectivity' },
    });
    expect(notes[0].time).toBeInstanceOf(Date);
    expect(notes[0].history).toEqual([{ status: 'offline', time: notes[0].time }]);
    expect(notes[1]).toEqual({ key: 'reconnecting_notification', message: 'Attempting to reconnect', attempt: 1, source: { protocol: 'engine', monitor: 'reconnect' } });
  });

  test('logout stops everything', async () => {
    const { clock, phone, t } = setup();
    t().up();
    await phone.logout();
    t().drop();
    clock.advance(60_000);
    expect(t().log).toEqual(['start', 'stop']);
    expect(clock.pending()).toBe(0);
  });
});

describe('Phone: calls', () => {
  test('an answered call ends with one onHangup and no onCancel', () => {
    const { phone, seen, t } = setup();
    t().up();
    phone.connect('sip:1002@lab.test');
    const c = t().calls[0];
    c.emit('accepted');
    c.emit('accepted');
    c.end({ answered: true, originator: 'local' });
    c.end({ answered: true });
    expect(seen).toEqual(['connected', 'accepted', 'hangup']);
  });

  test('a rejected call: onCancel (with code) then onHangup, once', () => {
    const { phone, seen, t } = setup();
    t().up();
    phone.connect('1002');
    expect(t().calls[0].remote.uri).toBe('sip:1002@lab.test');
    t().calls[0].end({ event: 'rejected', code: 486 });
    expect(seen.slice(1)).toEqual(['cancel rejected 486', 'hangup']);
  });

  test('no microphone: media_error, then onCancel (failed) and onHangup', () => {
    const { phone, seen, t } = setup();
    t().up();
    phone.connect('sip:1002@lab.test');
    t().calls[0].end({ originator: 'system', event: 'failed', mediaError: true });
    expect(seen.slice(1)).toEqual(['error media_error', 'cancel failed', 'hangup']);
  });

  test('one call at a time: a second incoming call is answered 486, connect refused', () => {
    const { phone, seen, t } = setup();
    t().up();
    const first = new FakeCall('incoming', { uri: 'sip:1002@lab.test', number: '1002', name: 'Bob' });
    t().emit('incoming', first);
    expect(phone.currentCall?.callerName).toBe('Bob');
    const second = new FakeCall('incoming', { uri: 'sip:1003@lab.test', number: '1003' });
    t().emit('incoming', second);
    expect(second.log).toEqual(['reject 486']);
    phone.connect('sip:1004@lab.test');
    expect(seen).toEqual(['connected', 'incoming', 'error call_in_progress']);
  });

  test('bad input: not registered, invalid URI, DTMF, no call', () => {
    const { phone, seen, t } = setup();
    phone.connect('sip:1002@lab.test');
    t().up();
    phone.connect('sip:1002@lab.test\r\nX: y');
    phone.sendDTMF('1');
    phone.sendDTMF('12');
    phone.hangup();
    phone.transfer('sip:1003@lab.test');
    expect(phone.mute(true)?.key).toBe('no_call');
    expect(seen).toEqual(['error not_registered', 'connected', 'error invalid_uri', 'error no_call', 'error invalid_dtmf', 'error no_call', 'error no_call']);
  });

  test('transferred by the far end: onTransfer + transfer_notification, the new call continues for the page', () => {
    const { phone, seen, t } = setup();
    t().up();
    phone.connect('sip:1002@lab.test');
    const c = t().calls[0];
    c.emit('accepted');
    const next = new FakeCall('outgoing', { uri: 'sip:1003@lab.test', number: '1003' });
    c.refer('sip:1003@lab.test', next);
    c.end({ answered: true });
    next.emit('accepted');
    next.end({ answered: true });
    expect(seen).toEqual(['connected', 'accepted', 'transfer', 'notified transfer_notification', 'accepted', 'hangup']);
  });

  test('transferred, but the target does not answer: the first call goes on, no onCancel/onHangup for the attempt', () => {
    const { phone, seen, t } = setup();
    t().up();
    phone.connect('sip:1002@lab.test');
    const c = t().calls[0];
    c.emit('accepted');
    const next = new FakeCall('outgoing', { uri: 'sip:1006@lab.test', number: '1006' });
    c.refer('sip:1006@lab.test', next);
    next.end({ answered: false, event: 'rejected', code: 480 });
    expect(c.log).not.toContain('hangup');
    expect(phone.currentCall).not.toBeNull();
    // the page can still hang the first call up, and hears its end once
    phone.hangup();
    expect(c.log).toContain('hangup');
    c.end({ answered: true, originator: 'local' });
    expect(seen).toEqual(['connected', 'accepted', 'transfer', 'notified transfer_notification', 'hangup']);
  });

  test('our transfer: onTransfer when accepted, our leg hung up when the target answered', () => {
    const { phone, seen, t } = setup();
    t().up();
    phone.connect('sip:1002@lab.test');
    const c = t().calls[0];
    c.emit('accepted');
    phone.transfer('1003');
    expect(c.log).toEqual(['transfer sip:1003@lab.test']);
    c.emit('transferAccepted');
    c.emit('transferCompleted');
    expect(c.log).toContain('hangup');
    expect(seen).toEqual(['connected', 'accepted', 'transfer']);
  });
});
