/**
 * The gateway names itself on the wire: every SIP message it sends carries `kazoo-rtmp-gateway/<version>`
 * (or the configured name), and what the dev SIP server originates carries `kazoo-js-dev-sip`. Checked on
 * what the dev server logs at trace level: every datagram it receives (all of them from the gateway) and
 * every one it sends (its own, or the gateway's forwarded).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRtmpGateway, type RtmpGateway, type RtmpGatewayAddresses } from './gateway';
import { parseSipMessage } from '../protocol/sip/parser';
import type { SipMessage } from '../protocol/sip/message';
import { startTestServer, type TestServer } from '../test/support/devstack/server';
import { Phone, until } from '../test/support/gateway/harness';
import { parseCliArgs } from './cli-args';
import { resolveGatewayOptions } from './options';

jest.setTimeout(30_000);

const VERSION = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
const DEV_SERVER = 'kazoo-js-dev-sip';

interface Logged {
  direction: 'recv' | 'send';
  message: SipMessage;
}

/** The SIP messages of the dev server's trace lines ("recv from udp~…:\n<message>" / "send to …"). */
function loggedMessages(lines: readonly string[]): Logged[] {
  const out: Logged[] = [];
  for (const line of lines) {
    const m = /(recv from|send to) udp~[^:]+:\n([\s\S]*)$/.exec(line);
    if (!m) continue;
    const parsed = parseSipMessage(Buffer.from(m[2], 'utf8'), { maxMessageBytes: 65_535, maxHeaders: 100 });
    if (parsed.kind === 'message') out.push({ direction: m[1] === 'send to' ? 'send' : 'recv', message: parsed.message });
  }
  return out;
}

const agentOf = (message: SipMessage): string | undefined => message.get(message.kind === 'request' ? 'user-agent' : 'server');
const label = (message: SipMessage): string => (message.kind === 'request' ? message.method : `${message.status} ${message.core.cseqMethod}`);

async function withGateway(userAgent: string | undefined, run: (addresses: RtmpGatewayAddresses, gateway: RtmpGateway) => Promise<void>): Promise<TestServer> {
  const sip = await startTestServer({ logLevel: 'trace' });
  let gateway: RtmpGateway | undefined;
  try {
    gateway = createRtmpGateway({
      rtmp: { host: '127.0.0.1', port: 0 },
      http: null,
      sipServer: { host: '127.0.0.1', port: sip.info.udp.port },
      sipT1Ms: 100,
      logLevel: 'silent',
      ...(userAgent ? { userAgent } : {}),
    });
    await run(await gateway.start(), gateway);
  } finally {
    await gateway?.stop(); // un-REGISTERs: more messages on the wire
    await sip.server.stop();
  }
  return sip;
}

/** Register, a rejected call (non-2xx ACK), a cancelled one (CANCEL, 487), an answered one (ACK, BYE). */
async function callFlows(addresses: RtmpGatewayAddresses, gateway: RtmpGateway): Promise<void> {
  const callsOver = (): Promise<void> => until(() => gateway.stats().calls === 0, 5000, 'the call to end');
  const alice = await Phone.tcp(addresses, '1001');
  const bob = await Phone.tcp(addresses, '1002');
  try {
    alice.call('invite', '1002');
    await bob.next('invited');
    bob.call('reject', '486 Busy Here');
    await alice.next('rejected');
    await callsOver();

    alice.call('invite', '1002');
    await bob.next('invited');
    await alice.next('ringing');
    alice.call('bye');
    await bob.next('cancelled');
    await callsOver();

    alice.call('invite', '1002');
    await bob.next('invited');
    bob.call('accept');
    await alice.next('accepted');
    alice.call('bye');
    await bob.next('byed');
  } catch (e) {
    throw new Error(`${String(e)}; alice: ${alice.commands.map((c) => c.name + ' ' + JSON.stringify(c.args)).join(', ')}`);
  } finally {
    alice.close();
    bob.close();
  }
}

test('every message the gateway sends carries kazoo-rtmp-gateway/<version>; the dev server its own name', async () => {
  const gatewayAgent = `kazoo-rtmp-gateway/${VERSION}`;
  const sip = await withGateway(undefined, callFlows);
  await until(() => loggedMessages(sip.logs).some((l) => l.message.kind === 'request' && l.message.method === 'REGISTER' && /expires=0/.test(l.message.get('contact') ?? '')), 3000, 'the un-REGISTER');
  const logged = loggedMessages(sip.logs);

  const fromGateway = logged.filter((l) => l.direction === 'recv').map((l) => l.message);
  expect(fromGateway.filter((m) => agentOf(m) !== gatewayAgent).map(label)).toEqual([]);
  // the test proves something only if these all went through
  const seen = new Set(fromGateway.map(label));
  for (const what of ['REGISTER', 'INVITE', 'ACK', 'CANCEL', 'BYE', '180 INVITE', '200 INVITE', '486 INVITE', '487 INVITE', '200 CANCEL', '200 BYE']) expect(seen).toContain(what);

  const fromServer = logged.filter((l) => l.direction === 'send').map((l) => l.message);
  expect(fromServer.filter((m) => agentOf(m) !== DEV_SERVER && agentOf(m) !== gatewayAgent).map(label)).toEqual([]);
  const ownAnswers = fromServer.filter((m) => m.kind === 'response' && (m.core.cseqMethod === 'REGISTER' || m.status === 100));
  expect(ownAnswers.length).toBeGreaterThan(3);
  expect(ownAnswers.filter((m) => agentOf(m) !== DEV_SERVER).map(label)).toEqual([]);
});

test('a configured name (option userAgent, flag --user-agent) replaces the default on every message', async () => {
  const parsed = parseCliArgs(['--user-agent', 'acme-gw/2.1']);
  expect(parsed).toEqual({ kind: 'run', options: { logLevel: 'info', userAgent: 'acme-gw/2.1' } });
  const sip = await withGateway('acme-gw/2.1', async (addresses) => {
    const phone = await Phone.tcp(addresses, '1001');
    phone.close();
  });
  const fromGateway = loggedMessages(sip.logs).filter((l) => l.direction === 'recv').map((l) => l.message);
  expect(fromGateway.length).toBeGreaterThan(1);
  expect(fromGateway.map(agentOf).filter((a) => a !== 'acme-gw/2.1')).toEqual([]);
});

test('a name that could smuggle a header in is refused with a clear error', () => {
  expect(parseCliArgs(['--user-agent', 'x\r\nVia: evil'])).toMatchObject({ kind: 'error', message: expect.stringMatching(/SIP agent name/) });
  expect(() => resolveGatewayOptions({ userAgent: '' })).toThrow(RangeError);
});
