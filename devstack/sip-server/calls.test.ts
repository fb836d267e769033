// Real calls between JsSIP user agents in Node (WebRTC on werift) through the server: answered with
// audio both ways, DTMF over INFO, blind transfer with REFER, BYE from either side, 486, CANCEL, and
// the 404 / 480 failures as JsSIP reports them.

import { startTestServer, type TestServer } from '../../test/support/devstack/server';
import { once, registered, startUa, waitUntil, type UaHandle } from '../../test/support/node-webrtc/jssip-node';
import { installWeriftShims, onRemoteAudio, peerConnections, stopTones } from '../../test/support/node-webrtc/werift-shims';

installWeriftShims();

type Policy = 'answer' | 'reject486' | 'ring';
interface Session {
  on(event: string, fn: (data: never) => void): void;
  terminate(o?: { status_code?: number }): void;
  answer(o: object): void;
  sendDTMF(tone: string, o: object): void;
  refer(target: string, o?: object): { on(event: string, fn: (data: never) => void): void };
  isEnded(): boolean;
  connection: Parameters<typeof onRemoteAudio>[0] | null;
}
type Ev<T> = { on(event: string, fn: (d: T) => void): unknown };

const MEDIA = { mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } };
let t: TestServer;
const phones = new Map<string, { h: UaHandle; policy: Policy; sessions: Session[]; rtpBytes: number }>();

async function phone(user: string): Promise<void> {
  const h = startUa(t.info.wsUrl, user, `secret${user}`);
  const entry = { h, policy: 'answer' as Policy, sessions: [] as Session[], rtpBytes: 0 };
  phones.set(user, entry);
  (h.ua as unknown as Ev<{ session: Session; originator: string }>).on('newRTCSession', ({ session, originator }) => {
    entry.sessions.push(session);
    // an outgoing session already has its peer connection when newRTCSession fires
    const count = (pc: Parameters<typeof onRemoteAudio>[0]): void => onRemoteAudio(pc, (n) => (entry.rtpBytes += n));
    if (session.connection) count(session.connection);
    else session.on('peerconnection', ((e: { peerconnection: Parameters<typeof onRemoteAudio>[0] }) => count(e.peerconnection)) as (d: never) => void);
    if (originator !== 'remote') return;
    if (entry.policy === 'answer') session.answer(MEDIA);
    else if (entry.policy === 'reject486') session.terminate({ status_code: 486 });
  });
  await registered(h);
}

const p = (user: string): { h: UaHandle; policy: Policy; sessions: Session[]; rtpBytes: number } => phones.get(user)!;
const call = (from: string, to: string): Session => (p(from).h.ua as unknown as { call(t: string, o: object): Session }).call(`sip:${to}@kazoo.test`, MEDIA);
const ev = <T = unknown>(s: Session, name: string, ms = 5000): Promise<T> => once<T>(s as unknown as Ev<T>, name, ms);
const lastSession = (user: string): Promise<Session> => waitUntil(() => p(user).sessions[p(user).sessions.length - 1], 3000, `session at ${user}`);

beforeAll(async () => {
  t = await startTestServer({ logLevel: 'info' });
  await Promise.all(['1001', '1002', '1003'].map(phone));
}, 15000);
afterEach(() => {
  for (const e of phones.values()) {
    for (const s of e.sessions) if (!s.isEnded()) s.terminate();
    e.sessions = [];
    e.policy = 'answer';
  }
});
afterAll(async () => {
  await Promise.all([...phones.values()].map((e) => e.h.stop()));
  await Promise.all(peerConnections.map((pc) => pc.close().catch(() => undefined)));
  stopTones();
  await t.server.stop();
});

test('1001 calls 1002: answered, audio flows both ways, DTMF over INFO, caller hangs up', async () => {
  const s = call('1001', '1002');
  await ev(s, 'confirmed');
  const remote = await lastSession('1002');
  await waitUntil(() => p('1001').rtpBytes > 1000 && p('1002').rtpBytes > 1000, 5000, 'RTP both ways');
  const dtmf = ev<{ originator: string; dtmf: { tone: string } }>(remote, 'newDTMF');
  s.sendDTMF('5', { transportType: 'INFO' });
  const d = await dtmf;
  expect(d.dtmf.tone).toBe('5');
  const ended = ev<{ originator: string }>(remote, 'ended');
  s.terminate();
  expect((await ended).originator).toBe('remote');
  expect(t.server.stats().dialogs).toBe(0);
}, 15000);

test('BYE from the callee ends the caller session', async () => {
  const s = call('1001', '1002');
  await ev(s, 'confirmed');
  const remote = await lastSession('1002');
  const ended = ev<{ originator: string }>(s, 'ended');
  remote.terminate();
  expect((await ended).originator).toBe('remote');
}, 15000);

test('blind transfer: 1001 REFERs 1002 to 1003, 1002 calls 1003, the REFER reports success', async () => {
  const s = call('1001', '1002');
  await ev(s, 'confirmed');
  const b = await lastSession('1002');
  b.on('refer', ((r: { accept(cb: (s: Session) => void, o: object): void }) => r.accept(() => undefined, MEDIA)) as (d: never) => void);
  const refer = s.refer('sip:1003@kazoo.test');
  const accepted = once(refer as unknown as Ev<unknown>, 'accepted', 8000);
  const atC = await waitUntil(() => p('1003').sessions[0], 5000, 'INVITE at 1003');
  await ev(atC, 'confirmed', 8000);
  await accepted;
}, 20000);

test('callee busy: JsSIP reports 486 as "Busy"', async () => {
  p('1002').policy = 'reject486';
  const s = call('1001', '1002');
  const failed = await ev<{ cause: string; message?: { status_code: number } }>(s, 'failed');
  expect(failed.cause).toBe('Busy');
  expect(failed.message?.status_code).toBe(486);
}, 10000);

test('caller cancels while ringing: both sides see "Canceled", the caller 487', async () => {
  p('1002').policy = 'ring';
  const s = call('1001', '1002');
  await ev(s, 'progress');
  const remote = await lastSession('1002');
  const remoteFailed = ev<{ cause: string }>(remote, 'failed');
  const failed = ev<{ cause: string }>(s, 'failed');
  s.terminate();
  expect((await remoteFailed).cause).toBe('Canceled');
  expect((await failed).cause).toBe('Canceled');
}, 10000);

test('unknown user -> "Not Found" (404); registered-nowhere user -> "Unavailable" (480)', async () => {
  const a = await ev<{ cause: string; message?: { status_code: number } }>(call('1001', '4040'), 'failed');
  expect([a.cause, a.message?.status_code]).toEqual(['Not Found', 404]);
  const b = await ev<{ cause: string; message?: { status_code: number } }>(call('1001', '1010'), 'failed');
  expect([b.cause, b.message?.status_code]).toEqual(['Unavailable', 480]);
}, 10000);
