/**
 * The `auto` media profile against sipp as a PBX without DTLS-SRTP: the gateway offers ICE + DTLS-SRTP
 * first, the far end answers 488, and the gateway INVITEs again in plain RTP/AVP (same Call-ID, CSeq + 1).
 * The RTMP client sees only the outcome of the second INVITE. sipp checks each offer's profile itself.
 */
import { join } from 'node:path';
import { sipp } from '../test/support/sip/sipp';
import { freeUdpPort, Phone, Rig, settle, sleep, startRig, until } from '../test/support/gateway/harness';

jest.setTimeout(30_000);

const SCENARIOS = join(__dirname, 'sipp');
let rig: Rig;
const phones: Phone[] = [];

beforeAll(async () => {
  rig = await startRig({ mediaProfile: 'auto' });
});

afterEach(() => settle(rig, phones));

afterAll(async () => {
  await rig.stop();
});

async function startUas(scenario: string): Promise<{ port: number; done: Promise<{ code: number | null; output: string }> }> {
  const port = await freeUdpPort();
  const run = sipp(join(SCENARIOS, scenario), ['-p', String(port), '-mi', '127.0.0.1', '-mp', String(await freeUdpPort()), '-rtp_echo'], undefined, 20);
  await sleep(300); // sipp binds within a few ms; no readiness signal on stdout
  return { port, done: run.done };
}

const invitesLogged = () => rig.logs.filter((l) => /INVITE again in the other media profile/.test(l)).length;

test('488 to the ICE/DTLS offer, 200 to the RTP/AVP one: one accepted, audio through the RTP leg, bye', async () => {
  const uas = await startUas('uas-488-then-rtp.xml');
  const phone = await Phone.tcp(rig.addresses, '1001');
  phones.push(phone);
  const before = invitesLogged();
  phone.call('invite', `sip:pbx@127.0.0.1:${uas.port}`);
  expect((await phone.next('accepted', 10_000)).args.slice(0, 2)).toEqual(['pcmu', null]);
  expect(invitesLogged()).toBe(before + 1);
  // the client never heard of the refused first offer
  expect(phone.commands.map((c) => c.name).filter((n) => n === 'rejected' || n === 'accepted')).toEqual([]);
  await phone.startMedia();
  const frames = Array.from({ length: 10 }, (_, i) => new Uint8Array(160).fill(0x10 + i));
  for (const frame of frames) {
    phone.local!.sendG711('pcmu', frame);
    await sleep(5);
  }
  await until(() => phone.heard.length >= frames.length, 5000, 'echoed audio');
  expect(phone.heard.slice(0, frames.length).map((m) => m.payload.subarray(1))).toEqual(frames);
  phone.call('bye');
  const result = await uas.done;
  expect({ code: result.code, output: result.code === 0 ? '' : result.output.slice(-2000) }).toEqual({ code: 0, output: '' });
});

test('488 to both profiles: exactly one rejected("488 …") for the client, no third INVITE', async () => {
  const uas = await startUas('uas-488-twice.xml');
  const phone = await Phone.tcp(rig.addresses, '1002');
  phones.push(phone);
  phone.call('invite', `sip:pbx@127.0.0.1:${uas.port}`);
  expect((await phone.next('rejected', 10_000)).args[0]).toBe('488 Not Acceptable Here');
  const result = await uas.done;
  expect({ code: result.code, output: result.code === 0 ? '' : result.output.slice(-2000) }).toEqual({ code: 0, output: '' });
  await sleep(200);
  expect(phone.commands.filter((c) => c.name === 'rejected' || c.name === 'accepted')).toEqual([]);
  expect(rig.gateway.stats().calls).toBe(0);
});
