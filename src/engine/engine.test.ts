import { Engine } from './engine';
import { EngineError, type EngineCall } from './engine-call';
import { reconnectOptionsFrom } from '../monitors/reconnect';
import { createLogger } from '../util/logger';
import { fakeClock } from '../../test/support/engine/fake-clock';
import { FakeCall, FakeTransport } from '../../test/support/engine/fake-transport';
import { FakeExtension } from '../../test/support/engine/fake-extension';
import type { InboundMessage, RegistrationSettings } from '../transport';

const settings: RegistrationSettings = {
  aor: 'sip:1001@lab.test', authUser: '1001', password: 'pw-123456', realm: 'lab.test', wsUrl: 'ws://127.0.0.1:8088/ws',
  instanceId: '00000000-0000-4000-8000-000000000000', registerExpires: 300, iceServers: [], fastIce: true,
  iceGatheringTimeout: 300, dtmfType: 'info', userAgent: 'test',
};

function setup(withExtension = true) {
  const extension = withExtension ? new FakeExtension() : undefined;
  const transports: FakeTransport[] = [];
  const engine = new Engine({
    createTransport: () => { const t = new FakeTransport(); transports.push(t); return t; },
    clock: fakeClock(), network: { isOnline: () => undefined }, logger: createLogger(null, () => false), extension,
  }, reconnectOptionsFrom(-1, 2000));
  const incoming: EngineCall[] = [];
  engine.on('incoming', (c) => incoming.push(c));
  engine.register(settings, reconnectOptionsFrom(-1, 2000));
  const t = () => transports[transports.length - 1];
  t().up();
  return { engine, t, incoming, ext: extension };
}

const keyOf = (fn: () => unknown): string => {
  try { fn(); } catch (e) { return e instanceof EngineError ? e.key : `not an EngineError: ${String(e)}`; }
  return 'no error';
};
const rejectionKey = (p: Promise<unknown>): Promise<string> => p.then(() => 'no error', (e) => (e instanceof EngineError ? e.key : String(e)));

describe('Engine: several calls', () => {
  test('an incoming call during a call is offered, not refused; ended calls leave the list', () => {
    const { engine, t, incoming } = setup();
    const out = engine.call('1002');
    t().calls[0].emit('accepted');
    const ring = new FakeCall('incoming', { uri: 'sip:1003@lab.test', number: '1003' });
    t().emit('incoming', ring);
    expect(incoming).toHaveLength(1);
    expect(ring.log).toEqual([]);
    expect(engine.calls.map((c) => c.remote.number)).toEqual(['1002', '1003']);
    incoming[0].answer();
    expect(ring.log).toEqual(['answer']);
    t().calls[0].end({ answered: true });
    expect(out.ended).toBe(true);
    expect(engine.calls.map((c) => c.remote.number)).toEqual(['1003']);
  });

  test('reject declines with 603 unless told otherwise; a second answer or reject is no_call', () => {
    const { t, incoming } = setup();
    const ring = new FakeCall('incoming', { uri: 'sip:1003@lab.test', number: '1003' });
    t().emit('incoming', ring);
    incoming[0].reject();
    expect(ring.log).toEqual(['reject 603']);
    ring.end({ event: 'rejected', code: 603, originator: 'local' });
    expect(keyOf(() => incoming[0].answer())).toBe('no_call');
    expect(keyOf(() => incoming[0].reject())).toBe('no_call');
  });

  test('typed refusals: not_registered, invalid_uri, invalid_dtmf, no_call', () => {
    const { engine, t } = setup();
    expect(keyOf(() => engine.call('not a uri @@'))).toBe('invalid_uri');
    const c = engine.call('sip:1002@lab.test');
    expect(keyOf(() => c.sendDTMF('1'))).toBe('no_call'); // not answered yet
    t().calls[0].emit('accepted');
    expect(keyOf(() => c.sendDTMF('12x'))).toBe('invalid_dtmf');
    c.sendDTMF('12#');
    expect(t().calls[0].log).toEqual(['dtmf 1', 'dtmf 2', 'dtmf #']);
    t().drop();
    expect(keyOf(() => engine.call('1003'))).toBe('not_registered');
  });
});

describe('Engine: hold, transfer, attended transfer (with the transport extension)', () => {
  test('hold resolves only when the far end answered the re-INVITE; a refused one rejects and the call is not held', async () => {
    const { engine, t, ext } = setup();
    const c = engine.call('1002');
    t().calls[0].emit('accepted');
    const controls = ext!.of(c);
    let held = false;
    const hold = c.need().setHold(true).then(() => { held = true; });
    await Promise.resolve();
    expect(held).toBe(false);
    controls.answerReinvite(true);
    await hold;
    expect(held).toBe(true);
    const resume = c.need().setHold(false);
    controls.answerReinvite(false);
    await expect(resume).rejects.toThrow('hold failed');
    expect(controls.log).toEqual(['hold', 'resume']);
  });

  test('attended transfer: REFER on this call with Replaces of the other; transfer events come through', () => {
    const { engine, t, ext } = setup();
    const a = engine.call('1002');
    const b = engine.call('1003');
    const events: string[] = [];
    a.on('transferAccepted', () => events.push('accepted'));
    a.on('transferCompleted', () => events.push('completed'));
    a.on('transferFailed', (code, reason) => events.push(`failed ${code} ${reason}`));
    expect(keyOf(() => a.attendedTransfer(b))).toBe('no_call'); // neither answered
    t().calls[0].emit('accepted');
    t().calls[1].emit('accepted');
    expect(keyOf(() => a.attendedTransfer(a))).toBe('no_call');
    a.attendedTransfer(b);
    expect(ext!.of(a).log).toEqual([`refer replaces ${ext!.of(b).sipCallId}`]);
    t().calls[0].emit('transferAccepted');
    t().calls[0].emit('transferFailed', 603, 'Declined');
    t().calls[0].emit('transferCompleted');
    expect(events).toEqual(['accepted', 'failed 603 Declined', 'completed']);
  });

  test('blind transfer takes a number or a SIP URI of the realm', () => {
    const { engine, t } = setup();
    const a = engine.call('1002');
    t().calls[0].emit('accepted');
    a.transfer('1004');
    expect(t().calls[0].log).toEqual(['transfer sip:1004@lab.test']);
    expect(keyOf(() => a.transfer('bad target @@'))).toBe('invalid_uri');
  });

  test('a call with media goes through the extension; MESSAGEs in and out; OPTIONS', async () => {
    const { engine, t, ext } = setup();
    engine.call('1002', { video: true, audioInputId: 'mic-2' });
    expect(ext!.calls).toEqual([{ target: 'sip:1002@lab.test', media: { video: true, audioInputId: 'mic-2' } }]);
    const got: InboundMessage[] = [];
    engine.services!.onMessage((m) => got.push(m));
    expect(engine.services).toBe(engine.services); // one per transport
    const services = ext!.servicesOf.get(t())!;
    const m: InboundMessage = { from: { uri: 'sip:1003@lab.test', number: '1003' }, contentType: 'text/plain', body: 'hi' };
    services.receive(m);
    expect(got).toEqual([m]);
    await engine.services!.sendMessage('sip:1003@lab.test', 'hello', 'text/plain');
    expect(await engine.services!.ping('sip:lab.test', 1000)).toBe(true);
    expect(services.log).toEqual(['message sip:1003@lab.test text/plain hello', 'options sip:lab.test']);
  });
});

describe('Engine without the extension (the legacy dist/kazoo.js)', () => {
  test('the legacy calls work; the rest is not_supported, never a silent no-op', async () => {
    const { engine, t } = setup(false);
    const c = engine.call('1002');
    expect(c.controls).toBeNull();
    expect(c.sipCallId).toBeUndefined();
    expect(engine.services).toBeNull();
    t().calls[0].emit('accepted');
    c.mute(true);
    expect(t().calls[0].log).toEqual(['mute true']);
    expect(keyOf(() => c.need())).toBe('not_supported');
    expect(keyOf(() => engine.call('1003', { video: true }))).toBe('not_supported');
    await expect(rejectionKey(Promise.resolve().then(() => c.need().setHold(true)))).resolves.toBe('not_supported');
  });
});
