/**
 * The RTMP transport under the real engine and facade, against a siprtmp stand-in over TCP on
 * 127.0.0.1: the legacy callbacks must fire exactly as docs/api.md says.
 */
import { createKazooFacade, type Kazoo } from '../../../src/facade/kazoo';
import type { RegisterParams } from '../../../src/facade/params';
import type { KazooError, KazooNotification, CancelDetails } from '../../../src/catalogue/events';
import type { Call } from '../../../src/phone/call';
import { createRtmpTransport } from '../index';
import { installNodeRtmp, nodeRtmpPlatform } from './node';
import { installRtmpPlatform } from './platform';
import { SiprtmpStandIn, type StandInOptions } from '../../../test/support/rtmp/siprtmp-stand-in';

jest.setTimeout(15_000);

interface Log {
  events: string[];
  errors: KazooError[];
  notes: KazooNotification[];
  cancels: CancelDetails[];
  incoming: Call[];
}

const until = async (what: string, ok: () => boolean, timeoutMs = 4000): Promise<void> => {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};
const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));

let stand: SiprtmpStandIn;
let k: Kazoo;

async function start(options: StandInOptions = {}, extra: Partial<RegisterParams> = {}): Promise<Log> {
  stand = await new SiprtmpStandIn(options).listen();
  k = createKazooFacade({ transports: { rtmp: createRtmpTransport }, network: { isOnline: () => undefined }, storage: null, logSink: null });
  const log: Log = { events: [], errors: [], notes: [], cancels: [], incoming: [] };
  k.init({ forceRTMP: true });
  k.register({
    rtmpUrl: stand.rtmpUrl, realm: 'lab.test', privateIdentity: '1001', publicIdentity: 'sip:1001@lab.test', password: 'pw-secret',
    displayName: 'Desk 1001', reconnectDelay: 2000,
    onConnected: () => log.events.push('connected'),
    onAccepted: () => log.events.push('accepted'),
    onHangup: () => log.events.push('hangup'),
    onCancel: (d) => { log.events.push('cancel'); log.cancels.push(d); },
    onTransfer: () => log.events.push('transfer'),
    onIncoming: (call) => { log.events.push('incoming'); log.incoming.push(call); },
    onNotified: (n) => { log.events.push(`notified:${n.key}`); log.notes.push(n); },
    onError: (e) => { log.events.push(`error:${e.key}`); log.errors.push(e); },
    ...extra,
  });
  return log;
}

async function registered(options: StandInOptions = {}): Promise<Log> {
  const log = await start(options);
  await until('onConnected', () => log.events.includes('connected'));
  return log;
}

beforeAll(() => { installNodeRtmp(); });
afterAll(() => installRtmpPlatform(null));
afterEach(async () => {
  await k?.logout();
  await stand?.close();
});

describe('registration', () => {
  test('connect carries the AOR and the siprtmp arguments; onConnected once', async () => {
    const log = await registered();
    expect(stand.connects[0].app).toBe('sip/1001@lab.test');
    expect(stand.connects[0].args).toEqual(['1001', 'pw-secret', 'Desk 1001', 'narrowband']);
    await settle();
    expect(log.events).toEqual(['connected']);
  });

  test.each([
    ['401 Unauthorized', 'unauthorized', 401],
    ['403 Forbidden', 'unauthorized', 403], // Kamailio's answer to a wrong password: the document's key
  ])('the fork\'s unauthorized(%s) then a rejected connect → %s', async (text, key, code) => {
    const log = await start({ register: () => ({ ok: false, unauthorized: text, description: 'Registration failed' }) });
    await until('the error', () => log.errors.length > 0);
    await settle();
    expect(log.errors.map((e) => [e.key, e.code])).toEqual([[key, code]]);
    expect(log.events).toEqual([`error:${key}`]);
    expect(stand.connectionCount).toBe(1); // credentials do not improve by retrying
  });

  test('upstream siprtmp: a rejection that names the SIP status is still a registration failure', async () => {
    const log = await start({ register: () => ({ ok: false, description: '401 Unauthorized' }) });
    await until('the error', () => log.errors.length > 0);
    expect(log.errors.map((e) => [e.key, e.code])).toEqual([['unauthorized', 401]]);
  });

  test('a rejection without a status, and a closed port, are server_not_reachable', async () => {
    const log = await start({ register: () => ({ ok: false, description: 'Cannot bind socket port' }) });
    await until('the error', () => log.errors.length > 0);
    await settle();
    expect(log.events).toEqual(['error:server_not_reachable']);
    await k.logout();
    const port = stand.port;
    await stand.close();
    const k2 = createKazooFacade({ transports: { rtmp: createRtmpTransport }, network: { isOnline: () => undefined }, storage: null, logSink: null });
    const errors: string[] = [];
    k2.register({ forceRTMP: true, rtmpUrl: `rtmp://127.0.0.1:${port}/sip`, publicIdentity: 'sip:1001@lab.test', privateIdentity: '1001', password: 'x', onError: (e) => errors.push(e.key) });
    await until('the error', () => errors.length > 0);
    expect(errors).toEqual(['server_not_reachable']);
    await k2.logout();
  });

  test('the gateway closes the socket: disconnected, then the engine reconnects and onConnected again', async () => {
    const log = await registered();
    stand.dropConnections();
    await until('the second onConnected', () => log.events.filter((e) => e === 'connected').length === 2, 5000);
    expect(log.events).toEqual(['connected', 'error:disconnected', 'notified:reconnecting_notification', 'connected']);
    expect(stand.connectionCount).toBe(2);
  });

  test('kazoo.reconnect() replaces a live connection quietly', async () => {
    const log = await registered();
    k.reconnect();
    await until('the second onConnected', () => log.events.filter((e) => e === 'connected').length === 2);
    await settle();
    expect(log.events).toEqual(['connected', 'notified:reconnecting_notification', 'connected']);
  });
});

describe('incoming calls', () => {
  test('invited → onIncoming with name and number; cancelled → onCancel (487) then onHangup, once each', async () => {
    const log = await registered();
    stand.invoke('invited', '"Alice Smith" <sip:2000@lab.test>', 'sip:1001@lab.test');
    await until('onIncoming', () => log.incoming.length === 1);
    expect(log.incoming[0].callerName).toBe('Alice Smith');
    expect(log.incoming[0].callerNumber).toBe('2000');
    stand.invoke('ringing', '180 Ringing');
    stand.invoke('cancelled', '"Alice Smith" <sip:2000@lab.test>', 'sip:1001@lab.test');
    await until('onHangup', () => log.events.includes('hangup'));
    await settle();
    expect(log.events).toEqual(['connected', 'incoming', 'cancel', 'hangup']);
    expect(log.cancels[0]).toMatchObject({ code: 487, event: 'cancelled', originator: 'remote' });
  });

  test('accept → accepted(codecs) → onAccepted once, media up; byed → onHangup only, streams closed', async () => {
    const log = await registered();
    stand.invoke('invited', 'sip:2000@lab.test', 'sip:1001@lab.test');
    await until('onIncoming', () => log.incoming.length === 1);
    expect(log.incoming[0].callerName).toBe('2000');
    log.incoming[0].accept();
    expect((await stand.nextCommand('accept')).args).toEqual(['pcmu', 'dtmf']);
    stand.invoke('accepted', 'pcmu', null);
    await until('onAccepted', () => log.events.includes('accepted'));
    await until('publish and play', () => stand.streamEvents.length === 2);
    expect([...stand.streamEvents].sort()).toEqual(['play remote', 'publish local']);
    k.sendDTMF('5');
    expect((await stand.nextCommand('sendDTMF')).args).toEqual(['5']);
    stand.invoke('byed');
    await until('onHangup', () => log.events.includes('hangup'));
    await until('streams closed', () => stand.streamEvents.filter((e) => e === 'end closeStream').length === 2);
    await settle();
    expect(log.events).toEqual(['connected', 'incoming', 'accepted', 'hangup']);
  });

  test('call.reject() sends 486 Busy Here and ends the call once; a second invited during a call is declined', async () => {
    const log = await registered();
    stand.invoke('invited', 'sip:2000@lab.test', 'sip:1001@lab.test');
    await until('onIncoming', () => log.incoming.length === 1);
    log.incoming[0].reject();
    expect((await stand.nextCommand('reject')).args).toEqual(['486 Busy Here']);
    await until('onHangup', () => log.events.includes('hangup'));
    expect(log.cancels[0]).toMatchObject({ code: 486, event: 'rejected', originator: 'local' });

    stand.invoke('invited', 'sip:2001@lab.test', 'sip:1001@lab.test');
    await until('second onIncoming', () => log.incoming.length === 2);
    stand.invoke('invited', 'sip:2002@lab.test', 'sip:1001@lab.test');
    expect((await stand.nextCommand('reject')).args).toEqual(['486 Busy Here']);
    stand.invoke('cancelled', 'sip:2001@lab.test', 'sip:1001@lab.test');
    await until('second onHangup', () => log.events.filter((e) => e === 'hangup').length === 2);
    await settle();
    expect(log.events).toEqual(['connected', 'incoming', 'cancel', 'hangup', 'incoming', 'cancel', 'hangup']);
  });
});

describe('outgoing calls', () => {
  test('early media: accepted() starts media without onAccepted; accepted(codecs) → onAccepted once; hangup → bye', async () => {
    const log = await registered();
    k.connect('2000');
    expect((await stand.nextCommand('invite')).args).toEqual(['sip:2000@lab.test', 'pcmu', 'dtmf']);
    stand.invoke('ringing', '180 Ringing');
    stand.invoke('accepted');
    await until('early media streams', () => stand.streamEvents.length === 2);
    await settle();
    expect(log.events).toEqual(['connected']);
    stand.invoke('accepted', 'pcmu', null);
    await until('onAccepted', () => log.events.includes('accepted'));
    k.hangup();
    await stand.nextCommand('bye');
    await until('onHangup', () => log.events.includes('hangup'));
    await settle();
    expect(log.events).toEqual(['connected', 'accepted', 'hangup']);
  });

  test('rejected("486 Busy Here") → onCancel {486, rejected} then onHangup', async () => {
    const log = await registered();
    k.connect('sip:2000@lab.test');
    await stand.nextCommand('invite');
    stand.invoke('rejected', '486 Busy Here');
    await until('onHangup', () => log.events.includes('hangup'));
    await settle();
    expect(log.events).toEqual(['connected', 'cancel', 'hangup']);
    expect(log.cancels[0]).toMatchObject({ code: 486, message: 'Busy Here', event: 'rejected', originator: 'remote' });
  });

  test('hang-up before the answer cancels (bye), reported locally once even if the gateway says more', async () => {
    const log = await registered();
    k.connect('2000');
    await stand.nextCommand('invite');
    k.hangup();
    await stand.nextCommand('bye');
    stand.invoke('rejected', '487 Request Terminated');
    await until('onHangup', () => log.events.includes('hangup'));
    await settle();
    expect(log.events).toEqual(['connected', 'cancel', 'hangup']);
    expect(log.cancels[0]).toMatchObject({ code: 487, event: 'cancelled', originator: 'local' });
  });

  // an answer without a resume offer (an original siprtmp gateway): the call ends with the connection
  test('the connection drops during a call: one onHangup, disconnected, reconnect (no token to present)', async () => {
    const log = await registered({ resume: () => true });
    k.connect('2000');
    await stand.nextCommand('invite');
    stand.invoke('accepted', 'pcmu', null);
    await until('onAccepted', () => log.events.includes('accepted'));
    stand.dropConnections();
    await until('reconnected', () => log.events.filter((e) => e === 'connected').length === 2, 5000);
    expect(stand.connects[1].commandObject.resumeToken).toBeUndefined();
    expect(log.events).toEqual(['connected', 'accepted', 'hangup', 'error:disconnected', 'notified:reconnecting_notification', 'connected']);
  });
});

describe('our gateway keeps the call across a dropped connection (resume token)', () => {
  const OFFER = { token: 'tok-0123456789abcdefghij', graceMs: 800 };

  async function answeredWithOffer(options: StandInOptions): Promise<Log> {
    const log = await registered(options);
    k.connect('2000');
    await stand.nextCommand('invite');
    stand.invoke('accepted', 'pcmu', null, OFFER);
    await until('onAccepted', () => log.events.includes('accepted'));
    await until('streams up', () => stand.streamEvents.length === 2);
    return log;
  }

  test('drop, the reconnect presents the token and is resumed: no onHangup, the streams come back, the later byed ends it once', async () => {
    const log = await answeredWithOffer({ resume: (token) => token === OFFER.token });
    expect(stand.connects[0].commandObject.resumeToken).toBeUndefined();
    stand.dropConnections();
    await until('reconnected', () => log.events.filter((e) => e === 'connected').length === 2, 5000);
    expect(stand.connects[1].commandObject.resumeToken).toBe(OFFER.token);
    // the documented sequence, as on WebRTC: the call is kept
    expect(log.events).toEqual(['connected', 'accepted', 'error:disconnected', 'notified:reconnecting_notification', 'connected']);
    await until('streams again on the new connection', () => stand.streamEvents.filter((e) => e === 'publish local').length === 2 && stand.streamEvents.filter((e) => e === 'play remote').length === 2);
    stand.invoke('byed');
    await until('onHangup', () => log.events.includes('hangup'));
    await settle(OFFER.graceMs + 200); // no late end from the window's timer
    expect(log.events.filter((e) => e === 'hangup')).toHaveLength(1);
  });

  test('a gateway that does not give the call back (no resumed in the reply): onHangup once, registered again', async () => {
    const log = await answeredWithOffer({ resume: () => false });
    stand.dropConnections();
    await until('onHangup', () => log.events.includes('hangup'), 5000);
    await until('reconnected', () => log.events.filter((e) => e === 'connected').length === 2, 5000);
    await settle();
    expect(log.events.filter((e) => e === 'hangup')).toHaveLength(1);
    expect(k.currentCall).toBeNull();
  });

  test('hung up right after the drop: ended at once for the page; the gateway hears bye (on the resumed connection when the hang-up came first)', async () => {
    const log = await answeredWithOffer({ resume: (token) => token === OFFER.token });
    stand.dropConnections();
    await until('disconnected', () => log.events.includes('error:disconnected'));
    k.hangup();
    await until('onHangup', () => log.events.includes('hangup'));
    await stand.nextCommand('bye', 5000);
  });

  test('nobody to reconnect to within the window: the call ends when it closes (onHangup once)', async () => {
    const log = await answeredWithOffer({ resume: () => true });
    await stand.close(); // the listener too: every attempt fails
    const lostAt = Date.now();
    await until('onHangup', () => log.events.includes('hangup'), OFFER.graceMs + 3000);
    expect(Date.now() - lostAt).toBeGreaterThanOrEqual(OFFER.graceMs - 100);
    expect(log.events.filter((e) => e === 'hangup')).toHaveLength(1);
  });
});

describe('transfer', () => {
  async function answered(options: StandInOptions): Promise<Log> {
    const log = await registered(options);
    k.connect('2000');
    await stand.nextCommand('invite');
    stand.invoke('accepted', 'pcmu', null);
    await until('onAccepted', () => log.events.includes('accepted'));
    return log;
  }

  test('a gateway with transfer: onTransfer', async () => {
    const log = await answered({ transfer: 'ours' });
    k.transfer('3000');
    expect((await stand.nextCommand('transfer')).args).toEqual(['sip:3000@lab.test']);
    await until('onTransfer', () => log.events.includes('transfer'));
  });

  test('upstream siprtmp (no transfer method): transfer_failed, the call goes on', async () => {
    const log = await answered({ transfer: 'upstream' });
    k.transfer('3000');
    await until('transfer_failed', () => log.errors.length > 0);
    expect(log.errors[0].key).toBe('transfer_failed');
    expect(log.events).not.toContain('hangup');
  });
});

describe('transferred by the far end (our gateway: referred / transferred / referFailed)', () => {
  async function answered(): Promise<Log> {
    const log = await registered();
    k.connect('2000');
    await stand.nextCommand('invite');
    stand.invoke('accepted', 'pcmu', null);
    await until('onAccepted', () => log.events.includes('accepted'));
    return log;
  }

  test('referred → onTransfer + transfer_notification; transferred → the call goes on with the target; one onHangup at the end', async () => {
    const log = await answered();
    stand.invoke('referred', 'sip:3000@lab.test', 'sip:2000@lab.test');
    await until('onTransfer', () => log.events.includes('transfer'));
    expect(log.notes.at(-1)).toMatchObject({ key: 'transfer_notification', source: { protocol: 'rtmp', target: 'sip:3000@lab.test' } });
    stand.invoke('transferred', 'sip:3000@lab.test', 'pcmu');
    await settle();
    // as on WebRTC: onTransfer + transfer_notification, then the new call's callbacks; the old leg ends silently
    expect(log.events).toEqual(['connected', 'accepted', 'transfer', 'notified:transfer_notification', 'accepted']);
    expect(stand.commands.map((c) => c.name)).not.toContain('bye');
    k.hangup();
    await stand.nextCommand('bye');
    await until('onHangup', () => log.events.includes('hangup'));
    await settle();
    expect(log.events.filter((e) => e === 'hangup')).toHaveLength(1);
  });

  test('referFailed: the call with the first party goes on; byed ends it once', async () => {
    const log = await answered();
    stand.invoke('referred', 'sip:3000@lab.test', 'sip:2000@lab.test');
    await until('onTransfer', () => log.events.includes('transfer'));
    stand.invoke('referFailed', '486 Busy Here');
    await settle();
    expect(log.events).not.toContain('hangup');
    stand.invoke('byed');
    await until('onHangup', () => log.events.includes('hangup'));
    await settle();
    expect(log.events.filter((e) => e === 'hangup')).toHaveLength(1);
  });

  test('from a gateway without these callbacks nothing changes: the call goes on', async () => {
    const log = await answered();
    stand.invoke('someFutureCallback', 'x');
    await settle();
    expect(log.events).toEqual(['connected', 'accepted']);
  });
});

describe('notifications through notified(contentType, body)', () => {
  test('voicemail and registration overwrite', async () => {
    const log = await registered();
    stand.invoke('notified', 'application/simple-message-summary', 'Messages-Waiting: yes\r\nMessage-Account: sip:1001@lab.test\r\nVoice-Message: 2/8 (0/0)\r\n');
    stand.invoke('notified', 'text/plain', 'Overwrote:sip:1001@10.0.0.9:5060');
    await until('two notifications', () => log.notes.length === 2);
    expect(log.notes[0]).toMatchObject({ key: 'voicemail_notification', newMessages: 2, oldMessages: 8, source: { protocol: 'rtmp' } });
    expect(log.notes[1]).toMatchObject({ key: 'overriding_registration', source: { protocol: 'rtmp', contentType: 'text/plain' } });
  });
});

describe('replaced registration', () => {
  test.each(['ours', 'upstream'] as const)('Replaced-By: the client asks the gateway (%s) to stop its REGISTER refresh, stays connected, no reconnect', async (kind) => {
    const log = await registered({ stopRefresh: kind });
    stand.invoke('notified', 'text/plain', 'Replaced-By:sip:1001@127.0.0.1:5099');
    expect((await stand.nextCommand('stopRegistrationRefresh')).args).toEqual([]);
    await settle(300);
    expect(log.events).toEqual(['connected', 'notified:replaced_registration']);
    expect(log.notes[0]).toMatchObject({ message: 'You have been disconnected: someone else has registered this device.', source: { protocol: 'rtmp' } });
    expect(stand.connectionCount).toBe(1);
  });
});

describe('no microphone: media_error, as on WebRTC', () => {
  const refuse = (name: string) => () => Promise.reject(Object.assign(new Error(name === 'NotAllowedError' ? 'Permission denied' : 'Requested device not found'), { name }));
  afterEach(() => { installNodeRtmp(); });

  test.each(['NotAllowedError', 'NotFoundError'])('outgoing, %s: no invite at all; media_error, onCancel (failed), onHangup', async (name) => {
    installRtmpPlatform({ ...nodeRtmpPlatform(), media: refuse(name) });
    const log = await registered();
    k.connect('2000');
    await until('onHangup', () => log.events.includes('hangup'));
    await settle();
    expect(log.events).toEqual(['connected', 'error:media_error', 'cancel', 'hangup']);
    const reason = `microphone unavailable (${name}: ${name === 'NotAllowedError' ? 'Permission denied' : 'Requested device not found'})`;
    const source = { protocol: 'rtmp', event: 'failed', originator: 'local', reason };
    expect(log.errors[0]).toEqual({ key: 'media_error', message: 'The microphone could not be used.', source });
    expect(log.cancels[0]).toEqual({ code: undefined, message: reason, event: 'failed', originator: 'local', source });
    expect(stand.commands.map((c) => c.name)).not.toContain('invite');
  });

  test('incoming, accepted without a microphone: declined 480, media_error, onCancel (failed 480), onHangup', async () => {
    installRtmpPlatform({ ...nodeRtmpPlatform(), media: refuse('NotAllowedError') });
    const log = await registered();
    stand.invoke('invited', 'sip:2000@lab.test', 'sip:1001@lab.test');
    await until('onIncoming', () => log.incoming.length === 1);
    log.incoming[0].accept();
    expect((await stand.nextCommand('reject')).args).toEqual(['480 Temporarily Unavailable']);
    await until('onHangup', () => log.events.includes('hangup'));
    expect(log.events).toEqual(['connected', 'incoming', 'error:media_error', 'cancel', 'hangup']);
    expect(log.cancels[0]).toMatchObject({ code: 480, event: 'failed', originator: 'local' });
    expect(stand.commands.map((c) => c.name)).not.toContain('accept');
  });
});

describe('the transport on its own', () => {
  test('probe answers true on a live connection (ping or call round trip), false once it is gone', async () => {
    const { RtmpTransport } = await import('./rtmp-transport');
    const { nodeRtmpPlatform } = await import('./node');
    stand = await new SiprtmpStandIn().listen();
    const logger = { debug: () => undefined, warn: () => undefined, error: () => undefined, redact: () => undefined };
    const t = new RtmpTransport({ logger }, nodeRtmpPlatform());
    let registered = false;
    t.on('registered', () => { registered = true; });
    t.start({ aor: 'sip:1001@lab.test', authUser: '1001', password: 'pw', realm: 'lab.test', rtmpUrl: stand.rtmpUrl, instanceId: 'x',
      registerExpires: 300, iceServers: [], fastIce: true, iceGatheringTimeout: 300, dtmfType: 'info', userAgent: 'test' });
    await until('registered', () => registered);
    expect(t.isConnected()).toBe(true);
    await expect(t.probe(500)).resolves.toBe(true);
    stand.dropConnections();
    await until('closed', () => !t.isConnected());
    await expect(t.probe(500)).resolves.toBe(false);
    await t.stop();
  });

  test('dropDeadConnection closes the connection and reports it once as lost (the engine’s keep-alive went unanswered)', async () => {
    const { RtmpTransport } = await import('./rtmp-transport');
    const { nodeRtmpPlatform } = await import('./node');
    stand = await new SiprtmpStandIn().listen();
    const logger = { debug: () => undefined, warn: () => undefined, error: () => undefined, redact: () => undefined };
    const t = new RtmpTransport({ logger }, nodeRtmpPlatform());
    const disconnects: unknown[] = [];
    let registered = false;
    t.on('registered', () => { registered = true; });
    t.on('disconnected', (info) => disconnects.push(info));
    t.start({ aor: 'sip:1001@lab.test', authUser: '1001', password: 'pw', realm: 'lab.test', rtmpUrl: stand.rtmpUrl, instanceId: 'x',
      registerExpires: 300, iceServers: [], fastIce: true, iceGatheringTimeout: 300, dtmfType: 'info', userAgent: 'test' });
    await until('registered', () => registered);
    t.dropDeadConnection('no answer to a keep-alive within 3000 ms');
    t.dropDeadConnection('twice');
    const reason = 'no answer to a keep-alive within 3000 ms';
    expect(disconnects).toEqual([{ neverOpened: false, reason, source: { protocol: 'rtmp', neverOpened: false, reason } }]);
    expect(t.isConnected()).toBe(false);
    await settle();
    expect(disconnects).toHaveLength(1); // the socket's own close is not reported again
    await t.stop();
  });
});
