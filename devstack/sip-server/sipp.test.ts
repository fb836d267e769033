// sipp over UDP against the server: REGISTER with digest auth, bad credentials (403), and a call
// from a sipp UAC to a registered sipp UAS through the proxy (407, Record-Route, ACK, BYE).

import { startTestServer, type TestServer } from '../../test/support/devstack/server';
import { freeUdpPort, HAVE_SIPP, killSipps, sipp } from '../../test/support/sip/sipp';
import { waitUntil } from '../../test/support/node-webrtc/jssip-node';

let t: TestServer;
let server: string;

// sipp is a system package (sip-tester); without it these tests are skipped, loudly.
const suite = HAVE_SIPP ? describe : describe.skip;
if (!HAVE_SIPP) console.warn('sipp not found on PATH: sipp tests skipped (apt-get install sip-tester)');

suite('sipp over UDP', () => {
  beforeAll(async () => {
    t = await startTestServer({ logLevel: 'info' });
    server = `127.0.0.1:${t.info.udp.port}`;
  });
  afterAll(async () => {
    killSipps();
    await t.server.stop();
  });

  test('sipp registers with digest authentication (401 then 200)', async () => {
    const port = await freeUdpPort();
    const r = await sipp('register.xml', ['-s', '1005', '-au', '1005', '-ap', 'secret1005', '-p', String(port)], server).done;
    expect(r.code).toBe(0);
    expect(t.server.contacts('1005')).toEqual([expect.objectContaining({ contact: `sip:1005@127.0.0.1:${port}`, transport: 'udp', userAgent: 'sipp' })]);
  }, 20000);

  test('sipp with a wrong password gets 403', async () => {
    const r = await sipp('register-bad-credentials.xml', ['-s', '1004', '-au', '1004', '-ap', 'wrong', '-p', String(await freeUdpPort())], server).done;
    expect(r.code).toBe(0);
    expect(t.server.contacts('1004')).toHaveLength(0);
    expect(t.logs.some((l) => l.includes('REGISTER 1004') && l.includes('403 Wrong password'))).toBe(true);
  }, 20000);

  test('sipp UAC calls a registered sipp UAS through the proxy: 407, 200, ACK, BYE', async () => {
    const uasPort = await freeUdpPort();
    expect((await sipp('register.xml', ['-s', '1006', '-au', '1006', '-ap', 'secret1006', '-p', String(uasPort)], server).done).code).toBe(0);
    const uas = sipp('uas-answer.xml', ['-p', String(uasPort)], undefined);
    // the UAS sipp listens once its port is bound again; give it a moment before calling
    await waitUntil(() => t.server.contacts('1006').length === 1, 2000, 'binding');
    await new Promise((r) => setTimeout(r, 300));
    const uac = await sipp('uac-call.xml', ['-s', '1006', '-key', 'caller', '1007', '-au', '1007', '-ap', 'secret1007', '-p', String(await freeUdpPort()), '-d', '300'], server).done;
    expect(uac.code).toBe(0);
    expect((await uas.done).code).toBe(0);
    expect(t.logs.some((l) => l.includes('INVITE 1007 -> 1006'))).toBe(true);
    expect(t.server.stats().dialogs).toBe(0);
  }, 25000);
});
