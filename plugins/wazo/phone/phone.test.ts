// WazoWebRTCClient / WebRTCPhone / Wazo.Phone on the engine, with the fake transport and its fake
// extension playing the server. Each `§7 #n` test would fail on the SDK defect of that number.
import { FakeCall, FakeTransport } from '../../../test/support/engine/fake-transport';
import { FakeExtension } from '../../../test/support/engine/fake-extension';
import { EngineError } from '../../../entries/engine';
import { Session } from '../domain/session';
import { Profile } from '../domain/profile';
import { SipLine } from '../domain/sip-line';
import type { WazoApiClient } from '../api/wazo-api-client';
import type { WazoEvent } from '../websocket/websocket-client';
import { Emitter } from '../util/emitter';
import { WazoWebRTCClient, type UaConfigOverrides, type WebRTCClientConfig } from './webrtc-client';
import { WebRTCPhone } from './webrtc-phone';
import { createSimplePhone } from './simple-phone';
import type { CallSession } from './call-session';
import { setCameraSending, type VideoSender } from '../../../transports/webrtc/camera';
import { answeredElsewhere } from '../../../transports/webrtc/cancel-reason';

const config: WebRTCClientConfig = { host: 'wazo.test', displayName: 'Ann', authorizationUser: 'ann-line', password: 'pw-line-1' };

function engineOptions() {
  const transports: FakeTransport[] = [];
  const ext = new FakeExtension();
  return {
    transports, ext,
    options: { logSink: null, transport: () => { const t = new FakeTransport(); transports.push(t); return t; }, extension: ext },
  };
}

function makeClient(overrides?: UaConfigOverrides, cfg: WebRTCClientConfig = config) {
  const e = engineOptions();
  const client = new WazoWebRTCClient(cfg, null, overrides, e.options);
  const t = () => e.transports[e.transports.length - 1];
  return { client, t, ext: e.ext, transports: e.transports };
}

async function registeredPhone() {
  const c = makeClient();
  const phone = new WebRTCPhone(c.client, null, true);
  const seen: string[] = [];
  for (const name of Object.values(WebRTCPhone.EVENTS)) phone.on(name, (...args: unknown[]) => { const cs = args[0]; seen.push(`${name}${cs && typeof cs === 'object' && 'number' in cs ? ` ${(cs as CallSession).number}` : ''}`); });
  const registered = phone.register();
  c.t().up();
  await registered;
  seen.length = 0;
  return { ...c, phone, seen };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('WazoWebRTCClient: configuration', () => {
  test('SIP over wss://{host}:443/api/asterisk/ws with ?userUuid, AOR on the host, no media config needed (§7 #16)', async () => {
    const { client, t } = makeClient(undefined, { ...config, userUuid: 'u-1' });
    const done = client.register();
    expect(t().settings).toMatchObject({ aor: 'sip:ann-line@wazo.test', authUser: 'ann-line', realm: 'wazo.test', wsUrl: 'wss://wazo.test:443/api/asterisk/ws?userUuid=u-1', displayName: 'Ann' });
    t().up();
    await done;
  });

  test('§7 #1: no Google STUN; ICE servers only from uaConfigOverrides, whose object is left as given (§7 #23)', () => {
    expect(makeClient().t).toBeDefined();
    const a = makeClient();
    void a.client.register();
    expect(a.t().settings?.iceServers).toEqual([]);
    const overrides: UaConfigOverrides = { peerConnectionOptions: { iceServers: [{ urls: 'turn:turn.test:443', username: 'u', credential: 'c' }] }, traceSip: true };
    const copy = JSON.parse(JSON.stringify(overrides)) as UaConfigOverrides;
    const b = makeClient(overrides);
    void b.client.register();
    expect(b.t().settings?.iceServers).toEqual(copy.peerConnectionOptions?.iceServers);
    expect(overrides).toEqual(copy);
  });

  test('missing credentials or host: a clear TypeError', () => {
    expect(() => new WazoWebRTCClient({ host: '' }, null)).toThrow(TypeError);
    expect(() => new WazoWebRTCClient({ host: 'wazo.test' }, { token: 't' })).toThrow(/authorizationUser.*confd/);
  });
});

describe('WazoWebRTCClient: registration', () => {
  test('§7 #10: register() twice while registering makes one registration (one transport)', async () => {
    const { client, transports, t } = makeClient();
    const a = client.register();
    const b = client.register();
    expect(transports).toHaveLength(1);
    t().up();
    await Promise.all([a, b]);
    expect(transports).toHaveLength(1);
  });

  test('§7 #15/#25: register() resolves on the 200, waitForRegister() at once when registered; getState() always answers', async () => {
    const { client, t } = makeClient();
    expect(client.getState()).toBe('unregistered');
    let resolved = false;
    const done = client.register().then(() => { resolved = true; });
    await flush();
    expect(resolved).toBe(false);
    expect(client.getState()).toBe('registering');
    t().up();
    await done;
    expect(client.getState()).toBe('registered');
    await expect(client.waitForRegister()).resolves.toBeUndefined();
  });

  test('register() while the engine reconnects after a drop waits for it, on the same registration', async () => {
    const { client, t, transports } = makeClient();
    const first = client.register();
    t().up();
    await first;
    t().drop();
    let again = false;
    const second = client.register().then(() => { again = true; });
    await flush();
    expect(again).toBe(false);
    t().up();
    await second;
    expect(transports).toHaveLength(1);
  });

  test('a refused registration rejects with its catalogue key', async () => {
    const { client, t } = makeClient();
    const done = client.register();
    t().emit('registrationFailed', { code: 401, reason: 'Unauthorized', source: { protocol: 'webrtc' } });
    await expect(done).rejects.toMatchObject({ key: 'unauthorized' });
  });
});

describe('WebRTCPhone: calls', () => {
  test('§7 #2: an ordinary Alert-Info does not ask for auto-answer; calld\'s auto-answer one does', async () => {
    const { client, t, ext } = await registeredPhone();
    const flags: boolean[] = [];
    client.on('invite', (_s, _v, auto) => flags.push(auto));
    for (const alert of ['<http://wazo.community>;info=ring1', '<http://wazo.community>;info=alert-autoanswer;delay=0;xivo-autoanswer']) {
      const call = new FakeCall('incoming', { uri: 'sip:1002@wazo.test', number: '1002' });
      ext.controls(call);
      ext.controlsOf.get(call)!.headers['alert-info'] = alert;
      t().emit('incoming', call);
    }
    expect(flags).toEqual([false, true]);
  });

  test('an incoming video call says so: invite and onCallIncoming get wantsVideo true (it was always false)', async () => {
    const { client, phone, t, ext } = await registeredPhone();
    const invites: boolean[] = [];
    const incoming: boolean[] = [];
    client.on('invite', (_s, video) => invites.push(video));
    phone.on('onCallIncoming', (_cs, video) => incoming.push(video));
    for (const video of [true, false]) {
      const call = new FakeCall('incoming', { uri: 'sip:1002@wazo.test', number: '1002' });
      ext.controls(call);
      ext.controlsOf.get(call)!.videoOffered = video;
      t().emit('incoming', call);
    }
    expect(invites).toEqual([true, false]);
    expect(incoming).toEqual([true, false]);
  });

  test('turnCameraOff/On: the camera track off and on, and its video encodings stop and resume sending (a disabled track alone still sends black frames)', async () => {
    const { phone, t, ext } = await registeredPhone();
    const cs = (await phone.makeCall('1002', null, true))!;
    t().calls[0].emit('accepted');
    phone.turnCameraOff(cs);
    phone.turnCameraOn(cs);
    expect(ext.controlsOf.get(t().calls[0])!.log).toEqual(['camera false', 'camera true']);
    expect(cs.cameraEnabled).toBe(true);

    const track = { kind: 'video', enabled: true } as MediaStreamTrack;
    let params = { encodings: [{ active: true }, { active: true }] } as RTCRtpSendParameters;
    const video: VideoSender = { track, getParameters: () => structuredClone(params), setParameters: async (p) => { params = p; } };
    const audioTrack = { kind: 'audio', enabled: true } as MediaStreamTrack;
    const audio: VideoSender = { track: audioTrack, getParameters: () => { throw new Error('audio untouched'); } };
    await setCameraSending([audio, video, { track: null }], false);
    expect({ enabled: track.enabled, active: params.encodings.map((e) => e.active), audio: audioTrack.enabled }).toEqual({ enabled: false, active: [false, false], audio: true });
    await setCameraSending([audio, video], true);
    expect({ enabled: track.enabled, active: params.encodings.map((e) => e.active) }).toEqual({ enabled: true, active: [true, true] });
    // a sender without the parameters API (werift): the track alone
    const bare = { kind: 'video', enabled: true } as MediaStreamTrack;
    await setCameraSending([{ track: bare }], false);
    expect(bare.enabled).toBe(false);
  });

  test('a call answered on another device of the user: onCallCanceled(cs, elsewhere=true); a plain CANCEL: false', async () => {
    const { phone, t, ext } = await registeredPhone();
    const got: Array<[string, boolean]> = [];
    phone.on('onCallCanceled', (cs, elsewhere) => got.push([cs.number, elsewhere]));
    for (const [number, elsewhere] of [['1002', true], ['1003', false]] as const) {
      const call = new FakeCall('incoming', { uri: `sip:${number}@wazo.test`, number });
      ext.controls(call);
      ext.controlsOf.get(call)!.elsewhere = elsewhere;
      t().emit('incoming', call);
      call.end({ event: 'cancelled', code: 487 });
    }
    expect(got).toEqual([['1002', true], ['1003', false]]);
    // the CANCEL's Reason, as Asterisk (Q.850 26) and RFC 3326 (SIP 200) say it
    const cancel = (...reasons: string[]) => ({ getHeaders: () => reasons });
    expect(answeredElsewhere(cancel('SIP;cause=200;text="Call completed elsewhere"', 'Q.850;cause=26'))).toBe(true);
    expect(answeredElsewhere(cancel('Q.850 ; cause=26'))).toBe(true);
    expect(answeredElsewhere(cancel('Q.850;cause=16;text="Normal call clearing"'))).toBe(false);
    expect(answeredElsewhere(cancel('SIP;cause=2000'))).toBe(false);
    expect(answeredElsewhere(cancel())).toBe(false);
    expect(answeredElsewhere(null)).toBe(false);
  });

  test('§7 #9: reject declines 603', async () => {
    const { phone, t } = await registeredPhone();
    let cs: CallSession | null = null;
    phone.on('onCallIncoming', (c) => { cs = c; });
    const call = new FakeCall('incoming', { uri: 'sip:1002@wazo.test', number: '1002' });
    t().emit('incoming', call);
    phone.reject(cs!);
    expect(call.log).toEqual(['reject 603']);
  });

  test('§7 #4: onCallFailed is emitted for a failed outgoing call; a rejected one is onCallRejected; both end', async () => {
    const { phone, t, seen } = await registeredPhone();
    await phone.makeCall('1002');
    t().calls[0].end({ event: 'failed', originator: 'system' });
    await phone.makeCall('1003');
    t().calls[1].end({ event: 'rejected', code: 486 });
    expect(seen).toEqual(['onCallOutgoing 1002', 'onCallFailed 1002', 'onCallEnded 1002', 'onCallOutgoing 1003', 'onCallRejected 1003', 'onCallEnded 1003']);
  });

  test('§7 #6/#17: callId is the Wazo id (X-Wazo-Call-ID), never the SIP Call-ID; number and name survive the answer', async () => {
    const { phone, t, ext } = await registeredPhone();
    const cs = (await phone.makeCall('1002'))!;
    expect(cs.callId).toBeNull();
    const controls = ext.controlsOf.get(t().calls[0])!;
    controls.headers['x-wazo-call-id'] = '1594062407.123';
    t().calls[0].emit('accepted');
    expect(cs.callId).toBe('1594062407.123');
    expect(cs.sipCallId).toBe(controls.sipCallId);
    expect(cs.number).toBe('1002');
    expect(cs.isEstablished()).toBe(true);
  });

  test('§7 #8: an unknown or ended CallSession is an error; the other call is untouched', async () => {
    const { phone, t } = await registeredPhone();
    const first = (await phone.makeCall('1002'))!;
    t().calls[0].end({ event: 'rejected', code: 486 });
    await phone.makeCall('1003');
    expect(() => phone.hangup(first)).toThrow(EngineError);
    expect(() => phone.hold(first)).rejects.toMatchObject({ key: 'no_call' });
    expect(t().calls[1].log).toEqual([]);
  });

  test('§7 #14: onCallHeld/onCallResumed follow the re-INVITE answers; resume leaves a muted microphone muted', async () => {
    const { phone, t, ext, seen } = await registeredPhone();
    const cs = (await phone.makeCall('1002'))!;
    t().calls[0].emit('accepted');
    phone.mute(cs);
    const controls = ext.controlsOf.get(t().calls[0])!;
    const held = phone.hold(cs);
    await flush();
    expect(seen).not.toContain('onCallHeld 1002');
    controls.answerReinvite(true);
    await held;
    const resumed = phone.resume(cs);
    await flush();
    expect(seen).not.toContain('onCallResumed 1002');
    controls.answerReinvite(true);
    await resumed;
    expect(seen.filter((s) => !s.startsWith('onCallOutgoing') && !s.startsWith('onCallAccepted'))).toEqual(['onCallMuted 1002', 'onCallHeld 1002', 'onCallResumed 1002', 'onCallUnHeld 1002']);
    expect(t().calls[0].log).toEqual(['mute true']);
    expect(cs.isMuted()).toBe(true);
  });

  test('a second call holds the first (answered) one first; accept of an incoming call does too', async () => {
    const { phone, t, ext } = await registeredPhone();
    const a = (await phone.makeCall('1002'))!;
    t().calls[0].emit('accepted');
    const second = phone.makeCall('1003');
    await flush();
    ext.controlsOf.get(t().calls[0])!.answerReinvite(true);
    const b = (await second)!;
    expect(a.isOnHold()).toBe(true);
    expect(phone.callCount()).toBe(2);
    expect(phone.getCurrentCallSession()).toBe(b);
  });

  test('§7 #13: blind transfer hangs up only when the target answered; a failed one leaves the call up', async () => {
    const { phone, t } = await registeredPhone();
    const cs = (await phone.makeCall('1002'))!;
    t().calls[0].emit('accepted');
    const failed = phone.transfer(cs, '1004');
    t().calls[0].emit('transferAccepted');
    t().calls[0].emit('transferFailed', 486, 'Busy Here');
    await expect(failed).rejects.toThrow('transfer failed: 486 Busy Here');
    expect(t().calls[0].log).toEqual(['transfer sip:1004@wazo.test']);
    const ok = phone.transfer(cs, '1005');
    t().calls[0].emit('transferAccepted');
    await flush();
    expect(t().calls[0].log).not.toContain('hangup');
    t().calls[0].emit('transferCompleted');
    await ok;
    expect(t().calls[0].log).toEqual(['transfer sip:1004@wazo.test', 'transfer sip:1005@wazo.test', 'hangup']);
  });

  test('indirectTransfer: REFER on the source with Replaces of the consultation call, source hung up on success', async () => {
    const { phone, t, ext } = await registeredPhone();
    const a = (await phone.makeCall('1002'))!;
    t().calls[0].emit('accepted');
    const consult = phone.makeCall('1003');
    await flush();
    const ca = ext.controlsOf.get(t().calls[0])!;
    ca.answerReinvite(true);
    const b = (await consult)!;
    t().calls[1].emit('accepted');
    const done = phone.indirectTransfer(a, b);
    await flush();
    expect(ca.log).toEqual(['hold', `refer replaces ${ext.controlsOf.get(t().calls[1])!.sipCallId}`]);
    expect(t().calls[0].log).not.toContain('hangup'); // not before the target answered
    t().calls[0].emit('transferCompleted');
    await done;
    expect(t().calls[0].log).toContain('hangup');
  });

  test('§7 #11: onMessage only for MESSAGE requests (a NOTIFY is not one); chat bodies also as ON_CHAT', async () => {
    const { phone, t, ext, seen } = await registeredPhone();
    t().emit('notify', { event: 'message-summary', body: 'Messages-Waiting: yes', source: { protocol: 'webrtc' } });
    expect(seen).toEqual([]);
    const chats: unknown[] = [];
    phone.on('phone/ON_CHAT', (c) => chats.push(c));
    ext.servicesOf.get(t())!.receive({ from: { uri: 'sip:1002@wazo.test', number: '1002' }, contentType: 'application/json', body: JSON.stringify({ type: 'message/TYPE_CHAT', content: 'hello' }) });
    expect(seen).toEqual(['onMessage', 'phone/ON_CHAT']);
    expect(chats).toEqual(['hello']);
  });

  test('DTMF, in-dialog MESSAGE, out-of-dialog MESSAGE, devices', async () => {
    const { phone, client, t, ext } = await registeredPhone();
    const cs = (await phone.makeCall('1002'))!;
    t().calls[0].emit('accepted');
    phone.sendKey(cs, '5');
    await phone.sendMessage(cs, 'in dialog');
    await client.message('1003', 'out of dialog');
    await phone.changeAudioDevice('speaker-2');
    await phone.changeAudioInputDevice('mic-2');
    phone.changeAudioVolume(2);
    expect(t().calls[0].log).toEqual(['dtmf 5']);
    expect(ext.controlsOf.get(t().calls[0])!.log).toEqual(['message text/plain in dialog', 'input audio mic-2']);
    expect(ext.servicesOf.get(t())!.log).toEqual(['message sip:1003@wazo.test text/plain out of dialog', 'output speaker-2', 'volume 1']);
    expect(() => phone.sendKey(cs, 'x')).toThrow(EngineError);
  });
});

/** websocketd as the test plays it */
class TestSocket extends Emitter<{ call_created: [event: WazoEvent] }> {
  push(event: WazoEvent): void { this.emit('call_created', event); }
}

describe('Wazo.Phone (Simple API)', () => {
  function simple() {
    const e = engineOptions();
    const websocket = new TestSocket();
    const muted: string[] = [];
    const api = { calld: { mute: async (id: string) => { muted.push(`mute ${id}`); return true; }, unmute: async (id: string) => { muted.push(`unmute ${id}`); return true; } } } as unknown as WazoApiClient;
    const line = SipLine.parse({ auth_section_options: [['username', 'ann-line'], ['password', 'pw-line-1']], endpoint_section_options: [['webrtc', 'yes']] });
    const session = new Session({ token: 'tok', uuid: 'user-1', profile: new Profile({ id: 'user-1', firstName: 'Ann', lastName: 'Lee', sipLines: [line] }) });
    const Phone = createSimplePhone({ getHost: () => 'wazo.test:8443', getSession: () => session, getApiClient: () => api, websocket });
    return { Phone, websocket, muted, e };
  }

  test('connect registers the WebRTC line read at login and resolves on the 200 (§7 #25)', async () => {
    const { Phone, e } = simple();
    let done = false;
    const connected = Phone.connect({ engine: e.options }).then(() => { done = true; });
    await flush();
    const t = e.transports[0];
    expect(t.settings).toMatchObject({ aor: 'sip:ann-line@wazo.test', password: 'pw-line-1', wsUrl: 'wss://wazo.test:8443/api/asterisk/ws?userUuid=user-1', displayName: 'Ann Lee' });
    expect(done).toBe(false);
    t.up();
    await connected;
    expect(Phone.isConnected()).toBe(true);
  });

  test('§7 #3/#7: phone events re-emitted on Wazo.Phone; call_created gives the call id; mute tells calld', async () => {
    const { Phone, e, websocket, muted } = simple();
    const connected = Phone.connect({ engine: e.options });
    await flush();
    e.transports[0].up();
    await connected;
    const seen: string[] = [];
    Phone.on(Phone.ON_CALL_OUTGOING, () => seen.push('outgoing'));
    Phone.on(Phone.ON_CALL_MUTED, () => seen.push('muted'));
    const cs = (await Phone.call('1002'))!;
    await Phone.mute(cs);
    expect(muted).toEqual([]); // no Wazo call id yet: no REST call with a wrong one
    websocket.push({ name: 'call_created', data: { call_id: '1594062407.9', sip_call_id: cs.sipCallId } });
    expect(cs.callId).toBe('1594062407.9');
    await Phone.mute(cs);
    expect(muted).toEqual(['mute 1594062407.9']);
    expect(seen).toEqual(['outgoing', 'muted', 'muted']);
  });

  test('no WebRTC line: the SDK\'s error', async () => {
    const Phone = createSimplePhone({
      getHost: () => 'wazo.test', getSession: () => new Session({ token: 't', profile: new Profile({ id: 'x' }) }),
      getApiClient: () => ({}) as WazoApiClient, websocket: new Emitter<{ call_created: [event: WazoEvent] }>(),
    });
    await expect(Phone.connect()).rejects.toThrow('Sorry, no sip lines found for this user');
  });
});
