/**
 * Issue 13, RTMP: an answered call survives a dropped connection for the grace window (session/resume.ts).
 * Two gateway users call each other through the development SIP server; alice's connection drops; a new
 * connection presenting her call's resume token gets it back (no new REGISTER, the same dialog), a wrong,
 * foreign or expired token does not, and nobody back within the window means a BYE to bob.
 */
import type { AmfObject } from '../protocol/rtmp/amf-values';
import { RtmpClient } from '../protocol/rtmp/rtmp-client';
import { connectTcp } from '../protocol/rtmp/node/tcp-duplex';
import { Phone, Rig, settle, sleep, startRig, until } from '../test/support/gateway/harness';
import { HELP, parseCliArgs } from './cli-args';
import { resolveGatewayOptions } from './options';

jest.setTimeout(30_000);

const GRACE_MS = 1500;
let rig: Rig;
const phones: Phone[] = [];

beforeAll(async () => {
  rig = await startRig({ resumeGraceMs: GRACE_MS });
});

afterEach(() => settle(rig, phones));

afterAll(async () => {
  await rig.stop();
});

/** a login, optionally presenting a resume token; `resumed` is what the connect reply said */
async function login(user: string, resumeToken?: string, password = `secret${user}`): Promise<{ phone: Phone; resumed: unknown }> {
  const duplex = await connectTcp(rig.addresses.rtmp!.host, rig.addresses.rtmp!.port);
  const phone = new Phone(new RtmpClient(duplex, resumeToken ? { commandObject: { resumeToken } } : {}));
  phones.push(phone);
  const result = await phone.client.connect(`${rig.addresses.rtmpUrl}/${user}@kazoo.test`, user, password, `User ${user}`, 'narrowband');
  return { phone, resumed: result.info.resumed };
}

/** alice calls bob, bob accepts; both have their streams up; alice's resume offer */
async function call(): Promise<{ alice: Phone; bob: Phone; offer: { token: string; graceMs: number } }> {
  const { phone: alice } = await login('1001');
  const { phone: bob } = await login('1002');
  alice.call('invite', '1002');
  await bob.next('invited');
  bob.call('accept');
  await bob.next('accepted');
  const accepted = await alice.next('accepted');
  expect(accepted.args.slice(0, 2)).toEqual(['pcmu', null]);
  await alice.startMedia();
  await bob.startMedia();
  return { alice, bob, offer: accepted.args[2] as unknown as { token: string; graceMs: number } };
}

const frame = (byte: number) => new Uint8Array(160).fill(byte);

/** `from` sends 5 frames of `byte`; `to` must hear them */
async function audioFlows(from: Phone, to: Phone, byte: number): Promise<void> {
  const start = to.heard.length;
  for (let i = 0; i < 5; i++) from.local!.sendG711('pcmu', frame(byte));
  await until(() => to.heard.slice(start).some((m) => m.payload[1] === byte), 5000, `audio ${byte} heard`);
}

/** the connection drops (TCP closed under the client) and the gateway has noticed */
async function drop(phone: Phone): Promise<void> {
  const seen = rig.logs.length;
  phone.close();
  await until(() => rig.logs.slice(seen).some((l) => l.includes('dropped its connection during a call')), 5000, 'the gateway parks the call');
}

test('accepted carries a resume offer: an unguessable token and the window; the token is never logged', async () => {
  const { offer } = await call();
  expect(offer.graceMs).toBe(GRACE_MS);
  expect(offer.token).toMatch(/^[A-Za-z0-9_-]{22}$/); // 128 random bits, base64url
  expect(rig.logs.join('\n')).not.toContain(offer.token);
});

test('drop mid-call, back within the window with the token: same call, audio both ways, no new REGISTER; the far end’s bye reaches the new connection', async () => {
  const { alice, bob, offer } = await call();
  const registers = rig.sip.contacts('1001').length;
  await drop(alice);
  await sleep(300);
  expect(bob.commands.map((c) => c.name)).not.toContain('byed');

  const back = await login('1001', offer.token);
  expect(back.resumed).toBe(true);
  expect(rig.gateway.stats()).toMatchObject({ sessions: 2, calls: 2 }); // the shell left the table
  expect(rig.sip.contacts('1001')).toHaveLength(registers);
  await back.phone.startMedia();
  await audioFlows(back.phone, bob, 0x11);
  await audioFlows(bob, back.phone, 0x22);

  bob.call('bye');
  await back.phone.next('byed');
  expect(rig.logs.join('\n')).not.toContain(offer.token);
});

test('a connection that never dropped is taken over by a resume (the gateway had not noticed it die)', async () => {
  const { alice, bob, offer } = await call();
  const back = await login('1001', offer.token);
  expect(back.resumed).toBe(true);
  await until(() => alice.client.state === 'closed', 5000, 'the old connection closed by the gateway');
  await back.phone.startMedia();
  await audioFlows(back.phone, bob, 0x33);
  back.phone.call('bye');
  await bob.next('byed');
});

test('nobody back within the window: BYE to the far end after it, and the token is refused afterwards', async () => {
  const { alice, bob, offer } = await call();
  const droppedAt = Date.now();
  await drop(alice);
  await bob.next('byed', GRACE_MS + 3000);
  const after = Date.now() - droppedAt;
  expect(after).toBeGreaterThanOrEqual(GRACE_MS - 50);
  expect(after).toBeLessThan(GRACE_MS + 1500);
  await until(() => rig.sip.contacts('1001').length === 0, 3000, 'alice un-REGISTERed');

  const seen = rig.logs.length;
  const late = await login('1001', offer.token);
  expect(late.resumed).toBeUndefined(); // a new login, no call
  expect(rig.logs.slice(seen).some((l) => l.includes('resume refused'))).toBe(true);
});

test('a wrong token is refused: the connect is a new login (which replaces the parked session: BYE)', async () => {
  const { alice, bob } = await call();
  await drop(alice);
  const wrong = await login('1001', 'AAAAAAAAAAAAAAAAAAAAAA');
  expect(wrong.resumed).toBeUndefined();
  await bob.next('byed', 3000);
});

test('another user presenting the token is refused, and alice can still come back', async () => {
  const { alice, bob, offer } = await call();
  await drop(alice);
  const thief = await login('1003', offer.token);
  expect(thief.resumed).toBeUndefined();
  // the same user with another password is refused too (the registrar would have refused it)
  const duplex = await connectTcp(rig.addresses.rtmp!.host, rig.addresses.rtmp!.port);
  const wrongPassword = new RtmpClient(duplex, { commandObject: { resumeToken: offer.token } as AmfObject });
  await expect(wrongPassword.connect(`${rig.addresses.rtmpUrl}/1001@kazoo.test`, '1001', 'nope', 'x', 'narrowband')).rejects.toThrow();
  wrongPassword.close();
  expect(bob.commands.map((c) => c.name)).not.toContain('byed');
  const back = await login('1001', offer.token);
  expect(back.resumed).toBe(true);
  back.phone.call('bye');
  await bob.next('byed');
});

test('the far end hangs up during the window: the session ends at once and the token is refused', async () => {
  const { alice, bob, offer } = await call();
  await drop(alice);
  bob.call('bye');
  await until(() => rig.sip.contacts('1001').length === 0, 3000, 'alice un-REGISTERed at once');
  const back = await login('1001', offer.token);
  expect(back.resumed).toBeUndefined();
});

test('the window off (resumeGraceMs 0): no offer, and the call ends with the connection', async () => {
  const off = await startRig({ resumeGraceMs: 0 });
  try {
    const connect = async (user: string) => {
      const phone = await Phone.tcp(off.addresses, user);
      phones.push(phone);
      return phone;
    };
    const alice = await connect('1001');
    const bob = await connect('1002');
    alice.call('invite', '1002');
    await bob.next('invited');
    bob.call('accept');
    expect((await alice.next('accepted')).args).toEqual(['pcmu', null]);
    alice.close();
    await bob.next('byed', 2000);
  } finally {
    await settle(off, phones);
    await off.stop();
  }
});

test('--resume-grace SEC sets the window (0 = off); anything else is a CLI error; the option is checked', () => {
  expect(parseCliArgs(['--resume-grace', '5'])).toEqual({ kind: 'run', options: { logLevel: 'info', resumeGraceMs: 5000 } });
  expect(parseCliArgs(['--resume-grace', '0'])).toEqual({ kind: 'run', options: { logLevel: 'info', resumeGraceMs: 0 } });
  expect(parseCliArgs(['--resume-grace', '-3'])).toMatchObject({ kind: 'error', message: expect.stringContaining('--resume-grace') });
  expect(parseCliArgs(['--resume-grace', 'soon'])).toMatchObject({ kind: 'error' });
  expect(HELP).toContain('--resume-grace');
  expect(resolveGatewayOptions().resumeGraceMs).toBe(30_000);
  expect(() => resolveGatewayOptions({ resumeGraceMs: -1 })).toThrow(RangeError);
});
