/**
 * The gateway against real peers on 127.0.0.1: the development SIP server in-process (registrar, proxy,
 * MWI), sipp as an echoing UAS, our RtmpClient over TCP, the WebSocket tunnel and RTMPT.
 */
import WebSocket from 'ws';
import { RtmpCallError } from '../protocol/rtmp/transactions';
import { connectWebSocket, WebSocketConstructor } from '../protocol/rtmp/tunnel/websocket-duplex';
import { openRtmpt } from '../protocol/rtmp/tunnel/rtmpt-duplex';
import { createPrng, randomBytes } from '../test/support/rtmp/prng';
import { freeUdpPort, Phone, Rig, settle, sleep, startRig, startSippEcho, until } from '../test/support/gateway/harness';

jest.setTimeout(30_000);

let rig: Rig;
const phones: Phone[] = [];

beforeAll(async () => {
  rig = await startRig();
});

afterEach(() => settle(rig, phones));

afterAll(async () => {
  await rig.stop();
});

async function login(user: string, password?: string): Promise<Phone> {
  const phone = await Phone.tcp(rig.addresses, user, password);
  phones.push(phone);
  return phone;
}

/** Sends `frames` as 20 ms messages and returns what comes back on `remote`, in order. */
async function echo(phone: Phone, frames: Uint8Array[]): Promise<Uint8Array[]> {
  const start = phone.heard.length;
  for (const frame of frames) {
    phone.local!.sendG711('pcmu', frame);
    await sleep(5);
  }
  await until(() => phone.heard.length - start >= frames.length, 5000, 'echoed frames');
  return phone.heard.slice(start, start + frames.length).map((m) => m.payload.subarray(1));
}

test('REGISTER with good credentials accepts the connect; the dev server sees the binding', async () => {
  await login('1001');
  expect(rig.sip.contacts('1001')).toHaveLength(1);
});

test('wrong password: unauthorized("403 …") first, then NetConnection.Connect.Rejected', async () => {
  const { RtmpClient } = await import('../protocol/rtmp/rtmp-client');
  const { connectTcp } = await import('../protocol/rtmp/node/tcp-duplex');
  const client = new RtmpClient(await connectTcp('127.0.0.1', rig.addresses.rtmp!.port));
  const order: string[] = [];
  client.on('command', (c) => order.push(`${c.name}:${String(c.args[0])}`));
  const error = await client.connect(`${rig.addresses.rtmpUrl}/1001@kazoo.test`, '1001', 'nope', 'x', 'narrowband').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RtmpCallError);
  expect((error as RtmpCallError).info).toMatchObject({ code: 'NetConnection.Connect.Rejected', description: '403 Wrong password' });
  expect(order).toEqual(['unauthorized:403 Wrong password']);
  client.close();
});

test('empty password is refused by default (not an open relay)', async () => {
  const error = await Phone.tcp(rig.addresses, '1001', '').catch((e: unknown) => e);
  expect((error as RtmpCallError).info).toMatchObject({ code: 'NetConnection.Connect.Rejected', description: '403 Registration required' });
});

test('echo through sipp: 50 random 20 ms PCMU frames come back byte for byte, then bye', async () => {
  const port = await freeUdpPort();
  const sipp = await startSippEcho(port, await freeUdpPort());
  const phone = await login('1001');
  phone.call('invite', `sip:echo@127.0.0.1:${port}`);
  const accepted = await phone.next('accepted');
  expect(accepted.args.slice(0, 2)).toEqual(['pcmu', null]); // then the resume offer (resume.test.ts)
  await phone.startMedia();
  const next = createPrng(7);
  const frames = Array.from({ length: 50 }, () => randomBytes(next, 160));
  expect(await echo(phone, frames)).toEqual(frames);
  phone.call('bye');
  expect(await sipp.done).toBe(0);
});

test('two gateway users through the dev server: invited → accept → audio both ways → DTMF → remote bye', async () => {
  const alice = await login('1001');
  const bob = await login('1002');
  alice.call('invite', '1002');
  const invited = await bob.next('invited');
  expect(String(invited.args[0])).toContain('sip:1001@kazoo.test');
  expect(String(invited.args[1])).toContain('sip:1002@kazoo.test');
  expect((await alice.next('ringing')).args[0]).toMatch(/^18\d /);
  bob.call('accept');
  expect((await bob.next('accepted')).args[0]).toBe('pcmu');
  expect((await alice.next('accepted')).args[0]).toBe('pcmu');
  await alice.startMedia();
  await bob.startMedia();
  const frame = new Uint8Array(160).map((_, i) => i);
  for (let i = 0; i < 5; i++) alice.local!.sendG711('pcmu', frame);
  await until(() => bob.heard.length >= 5, 5000, 'audio at bob');
  expect(bob.heard[0].payload[0]).toBe(0x82);
  expect(bob.heard[0].payload.subarray(1)).toEqual(frame);
  bob.local!.sendG711('pcma', new Uint8Array(160).fill(0xd5)); // transcoded to the negotiated PCMU
  await until(() => alice.heard.length >= 1, 5000, 'audio at alice');
  expect(alice.heard[0].payload[0]).toBe(0x82);
  await expect(alice.client.call('sendDTMF', '5')).resolves.toMatchObject({ args: [true] });
  bob.call('bye');
  await alice.next('byed');
});

test('reject: the caller gets rejected("486 Busy Here")', async () => {
  const alice = await login('1001');
  const bob = await login('1002');
  alice.call('invite', 'sip:1002@kazoo.test');
  await bob.next('invited');
  bob.call('reject', '486 Busy Here');
  expect((await alice.next('rejected')).args[0]).toBe('486 Busy Here');
});

test('cancel: the caller hangs up while it rings; the callee gets cancelled(remote, local)', async () => {
  const alice = await login('1001');
  const bob = await login('1002');
  alice.call('invite', '1002');
  await bob.next('invited');
  await alice.next('ringing');
  alice.call('bye');
  const cancelled = await bob.next('cancelled');
  expect(String(cancelled.args[0])).toContain('1001');
});

test('a NOTIFY (MWI) while a call rings is relayed and does not clobber the pending INVITE', async () => {
  const alice = await login('1001');
  const bob = await login('1002');
  alice.call('invite', '1002');
  await bob.next('invited');
  expect(rig.sip.triggerMwi('1002', 3, 1)).toBe(1);
  const notified = await bob.next('notified');
  expect(notified.args[0]).toBe('application/simple-message-summary');
  expect(String(notified.args[1])).toMatch(/Messages-Waiting: yes/i);
  bob.call('accept');
  await alice.next('accepted');
  alice.call('bye');
  await bob.next('byed');
});

/** 1001 (alice) calls 1002 (bob), who answers; 1003 (carol) is logged in as the transfer target. */
async function answeredWithCarol(): Promise<{ alice: Phone; bob: Phone; carol: Phone }> {
  const alice = await login('1001');
  const bob = await login('1002');
  const carol = await login('1003');
  alice.call('invite', '1002');
  await bob.next('invited');
  bob.call('accept');
  await bob.next('accepted');
  await alice.next('accepted');
  return { alice, bob, carol };
}

test('transfer: REFER with Referred-By = our own AOR; the transferee gateway follows it to the target', async () => {
  const { alice, bob, carol } = await answeredWithCarol();
  await bob.startMedia();
  const reply = await alice.client.call('transfer', '1003');
  expect(reply.args[0]).toBe('202 Accepted');
  expect(rig.logs.join('\n')).toMatch(/REFER from .*1001.* Refer-To: <sip:1003@kazoo\.test> Referred-By: <sip:1001@kazoo\.test>/);
  expect(rig.logs.join('\n')).not.toContain('secret1001');
  // bob's side: told at once, then its gateway INVITEs carol with Referred-By
  const referred = await bob.next('referred');
  expect(referred.args).toEqual(['sip:1003@kazoo.test', 'sip:1001@kazoo.test']);
  const invited = await carol.next('invited');
  expect(String(invited.args[0])).toContain('sip:1002@kazoo.test');
  expect(rig.logs.join('\n')).toMatch(/INVITE from .*1002.*/);
  carol.call('accept');
  expect((await carol.next('accepted')).args[0]).toBe('pcmu');
  expect((await bob.next('transferred')).args).toEqual(['sip:1003@kazoo.test', 'pcmu']);
  // alice (the transferor) leaves on the NOTIFY 200; bob never sees byed/accepted/invited for the move
  await alice.next('byed');
  await sleep(200);
  expect(bob.commands.map((c) => c.name).filter((n) => ['byed', 'accepted', 'invited', 'rejected'].includes(n))).toEqual([]);
  // bob's audio now goes to carol
  await carol.startMedia();
  const frame = new Uint8Array(160).map((_, i) => (i * 3) & 0xff);
  for (let i = 0; i < 5; i++) bob.local!.sendG711('pcmu', frame);
  await until(() => carol.heard.length >= 3, 5000, 'bob heard at carol');
  expect(carol.heard[0].payload.subarray(1)).toEqual(frame);
  carol.local!.sendG711('pcmu', new Uint8Array(160).fill(0x55));
  await until(() => bob.heard.some((m) => m.payload[1] === 0x55), 5000, 'carol heard at bob');
  expect(rig.gateway.stats().calls).toBe(2);
  carol.call('bye');
  await bob.next('byed');
});

test('transfer to a target that declines: referFailed for the transferee, who stays on the old call', async () => {
  const { alice, bob, carol } = await answeredWithCarol();
  expect((await alice.client.call('transfer', '1003')).args[0]).toBe('202 Accepted');
  await bob.next('referred');
  await carol.next('invited');
  carol.call('reject', '486 Busy Here');
  expect((await bob.next('referFailed')).args[0]).toBe('486 Busy Here');
  await sleep(200);
  expect(bob.commands.map((c) => c.name)).not.toContain('byed');
  // still in the call with alice
  await expect(bob.client.call('sendDTMF', '1')).resolves.toMatchObject({ args: [true] });
  alice.call('bye');
  await bob.next('byed');
});

test('a new login for the same address replaces the old connection', async () => {
  const first = await login('1003');
  const closed = new Promise<void>((resolve) => first.client.once('close', () => resolve()));
  await login('1003');
  await closed;
  await until(() => rig.sip.contacts('1003').length === 1, 3000, 'one binding left');
});

test('the WebSocket tunnel carries a full session: connect → invite → audio → bye', async () => {
  const port = await freeUdpPort();
  const sipp = await startSippEcho(port, await freeUdpPort());
  const duplex = await connectWebSocket(rig.addresses.wsUrl!, WebSocket as unknown as WebSocketConstructor);
  const phone = await Phone.open(duplex, 'rtmp://127.0.0.1/sip/1004@kazoo.test', '1004', 'secret1004');
  phones.push(phone);
  phone.call('invite', `sip:echo@127.0.0.1:${port}`);
  await phone.next('accepted');
  await phone.startMedia();
  const frames = Array.from({ length: 20 }, (_, i) => new Uint8Array(160).fill(i * 7));
  expect(await echo(phone, frames)).toEqual(frames);
  phone.call('bye');
  expect(await sipp.done).toBe(0);
});

test('RTMPT carries a full session: connect → invite → audio → bye', async () => {
  const port = await freeUdpPort();
  const sipp = await startSippEcho(port, await freeUdpPort());
  const duplex = await openRtmpt(rig.addresses.rtmptUrl!);
  const phone = await Phone.open(duplex, 'rtmp://127.0.0.1/sip/1005@kazoo.test', '1005', 'secret1005');
  phones.push(phone);
  phone.call('invite', `sip:echo@127.0.0.1:${port}`);
  await phone.next('accepted');
  await phone.startMedia();
  const frames = Array.from({ length: 20 }, (_, i) => new Uint8Array(160).fill(255 - i));
  expect(await echo(phone, frames)).toEqual(frames);
  phone.call('bye');
  expect(await sipp.done).toBe(0);
});

test('RTMPT answers a CORS preflight from another origin', async () => {
  const response = await fetch(`${rig.addresses.rtmptUrl}/open/1`, { method: 'OPTIONS', headers: { Origin: 'http://page.example', 'Access-Control-Request-Method': 'POST' } });
  expect(response.status).toBe(204);
  expect(response.headers.get('access-control-allow-origin')).toBe('http://page.example');
});
