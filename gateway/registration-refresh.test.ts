/**
 * `stopRegistrationRefresh`, the RPC a client sends when it heard `Replaced-By` (another device took
 * its registration over): the gateway stops refreshing that connection's REGISTER, and only that one,
 * without unregistering and without closing the connection. Against the dev SIP server (min expires 10 s,
 * so the gateway refreshes every 5 s).
 */
import { Phone, Rig, settle, sleep, startRig } from '../test/support/gateway/harness';

jest.setTimeout(30_000);

let rig: Rig;
const phones: Phone[] = [];

beforeAll(async () => {
  rig = await startRig({ registerExpiresSec: 10 });
});
afterEach(() => settle(rig, phones));
afterAll(async () => {
  await rig.stop();
});

test('the asking connection stops refreshing (its binding runs out), another one keeps refreshing; both stay connected', async () => {
  const kept = await Phone.tcp(rig.addresses, '1005');
  const replaced = await Phone.tcp(rig.addresses, '1006');
  phones.push(kept, replaced);
  const reply = await replaced.client.call('stopRegistrationRefresh');
  expect(reply.args[0]).toBe(true);
  expect(rig.sip.contacts('1006')).toHaveLength(1); // not unregistered
  await sleep(6500); // past the 5 s refresh
  expect(rig.sip.contacts('1005')[0].expiresIn).toBeGreaterThan(5); // refreshed
  expect(rig.sip.contacts('1006')[0]?.expiresIn ?? 0).toBeLessThan(4); // not refreshed: running out
  expect(replaced.client.state).toBe('connected');
  expect(rig.logs.some((l) => l.includes('REGISTER refresh of sip:1006@kazoo.test stopped'))).toBe(true);
});
