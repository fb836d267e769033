// The Wazo plugin of the `kazoo` facade against the Wazo dev engine (REST and websocketd, every request
// checked against Wazo's OpenAPI specs): what kazoo.register() gets from a Wazo login, and the errors a
// page sees. The SIP side runs on the engine's fake transport here (the e2e suite registers for real:
// test/e2e/wazo-kazoo-plugin.e2e.test.ts).
import { createKazooFacade, type Kazoo } from '../../../src/facade/kazoo';
import type { KazooError } from '../../../src/catalogue/events';
import { fakeClock } from '../../../test/support/engine/fake-clock';
import { FakeTransport } from '../../../test/support/engine/fake-transport';
import { startTestEngine, type TestEngine } from '../../../test/support/wazo-dev/engine';
import { SimpleApiClients } from '../simple/api-client';
import { SimpleAuth } from '../simple/auth';
import { createSimpleWebsocket } from '../simple/websocket';
import { createKazooPlugin, type WazoKazoo } from './plugin';

(globalThis as Record<string, unknown>).RTCPeerConnection ??= function RTCPeerConnection() {};
(globalThis as { navigator?: unknown }).navigator ??= { mediaDevices: { getUserMedia: () => Promise.resolve() } };

jest.setTimeout(30_000);

let stack: TestEngine;
beforeAll(async () => { stack = await startTestEngine(); });
afterAll(async () => { await stack?.engine.stop(); });

const live: WazoKazoo[] = [];
afterEach(async () => {
  for (const w of live.splice(0)) await w.logout();
});

/** a `kazoo` on the fake transport with the plugin installed on its own Simple API objects */
function setup() {
  const transports: FakeTransport[] = [];
  const lines: string[] = [];
  const kazoo: Kazoo = createKazooFacade({
    transports: { webrtc: () => { const t = new FakeTransport(); transports.push(t); return t; } },
    clock: fakeClock(), network: { isOnline: () => undefined }, storage: null, logSink: (_l, line) => lines.push(line),
  });
  const Websocket = createSimpleWebsocket();
  const clients = new SimpleApiClients((c) => Auth.setupClient(c));
  const Auth = new SimpleAuth(clients, Websocket);
  Auth.setApiClientOptions({ fetch: stack.specs.fetch });
  Websocket.setClientOptions({ wsOptions: { ca: stack.info.certificate } });
  const wazo = kazoo.use(createKazooPlugin({ Auth, Websocket, getApiClient: () => clients.get() }));
  live.push(wazo);
  const errors: KazooError[] = [];
  const login = (extra: Record<string, unknown> = {}) =>
    wazo.logIn({ server: stack.info.server, username: '1001', password: 'secret1001', onError: (e) => errors.push(e), ...extra });
  return { kazoo, wazo, transports, errors, login, lines };
}

const until = async (what: () => boolean, ms = 5000) => {
  for (const end = Date.now() + ms; !what(); ) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('a Wazo login registers kazoo with the line of confd\'s merged SIP endpoint on wss://{server}/api/asterisk/ws; websocketd opens', async () => {
  const { kazoo, wazo, transports, errors, login } = setup();
  const session = await login({ displayName: 'Front desk', registerExpires: 600 });
  expect(errors).toEqual([]);
  expect(session?.uuid).toBe(stack.engine.users.find((u) => u.username === '1001')?.uuid);
  expect(wazo.isLoggedIn).toBe(true);
  expect(wazo.line?.username).toBe('1001');
  expect(transports[0].settings).toMatchObject({
    wsUrl: `wss://${stack.info.server}/api/asterisk/ws`,
    aor: 'sip:1001@127.0.0.1',
    authUser: '1001',
    password: 'secret1001', // the SIP password confd serves for the line
    realm: '127.0.0.1',
    displayName: 'Front desk', // the page's register() parameters go through
    registerExpires: 600,
  });
  expect(kazoo.version).toBe('webrtc');
  await until(() => wazo.Websocket.isOpen());
  expect(wazo.session?.token).toEqual(expect.any(String));

  transports[0].up();
  wazo.call('1002');
  expect(transports[0].calls.map((c) => c.remote.uri)).toEqual(['sip:1002@127.0.0.1']);

  const token = wazo.session!.token;
  await wazo.logout();
  expect(wazo.isLoggedIn).toBe(false);
  expect(wazo.session).toBeNull();
  expect(wazo.Websocket.isOpen()).toBe(false);
  expect(transports[0].log).toContain('stop');
  await expect(stack.client().auth.checkToken(token)).resolves.toBe(false); // revoked
});

test('a wrong password: unauthorized with the status, resolves null, nothing registered, no secret logged', async () => {
  const { wazo, transports, errors, login, lines } = setup();
  await expect(login({ password: 'wrong-pw-1001' })).resolves.toBeNull();
  expect(errors).toEqual([expect.objectContaining({ key: 'unauthorized', message: 'Invalid credentials.', code: 401, source: expect.objectContaining({ protocol: 'engine', plugin: 'wazo', service: 'auth', status: 401 }) })]);
  expect(wazo.isLoggedIn).toBe(false);
  expect(transports).toHaveLength(0);
  expect(JSON.stringify(errors) + lines.join('\n')).not.toMatch(/wrong-pw-1001|secret1001/);
});

test('missing or bad credentials and server: missing_parameter naming it, no request made; not an object: TypeError', async () => {
  const { wazo, errors, login } = setup();
  await login({ server: '' });
  await login({ server: 'https://stack/x' });
  await login({ username: '' });
  await login({ password: undefined });
  expect(errors.map((e) => [e.key, e.parameter])).toEqual([
    ['missing_parameter', 'server'], ['missing_parameter', 'server'], ['missing_parameter', 'username'], ['missing_parameter', 'password'],
  ]);
  await expect(wazo.logIn(null as never)).rejects.toThrow(TypeError);
});

test('an unreachable stack: server_not_reachable', async () => {
  const { errors, login } = setup();
  await expect(login({ server: '127.0.0.1:1' })).resolves.toBeNull();
  expect(errors.map((e) => e.key)).toEqual(['server_not_reachable']);
});

test('a second logIn while logged in: already_registered; call() before logIn: not_registered; a bad extension: TypeError', async () => {
  const { wazo, errors, login } = setup();
  const consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  wazo.call('1002');
  expect(consoleError.mock.calls).toEqual([['[kazoo] not_registered: Not registered: call register() first.']]); // no onError known yet
  consoleError.mockRestore();
  await login();
  await expect(login()).resolves.toBeNull();
  expect(errors.map((e) => e.key)).toEqual(['already_registered']);
  expect(() => wazo.call('sip:1002@elsewhere')).toThrow(TypeError);
});

test('a page that chose RTMP: transport_unavailable (Wazo lines are WebRTC), no login made', async () => {
  const { kazoo, wazo, errors, login } = setup();
  kazoo.init({ forceRTMP: true });
  await expect(login()).resolves.toBeNull();
  expect(errors.map((e) => e.key)).toEqual(['transport_unavailable']);
  expect(wazo.session).toBeNull();
});

test('the token is renewed before it expires: a new token, websocketd still open on it', async () => {
  const { wazo, errors, login } = setup();
  await login({ expiration: 2 });
  await until(() => wazo.Websocket.isOpen());
  const first = wazo.session!.token;
  await new Promise((r) => setTimeout(r, 4500)); // two lifetimes; websocketd closes an expired token's connection within 1 s
  expect(wazo.session!.token).not.toBe(first);
  expect(wazo.Websocket.isOpen()).toBe(true);
  await expect(wazo.api.confd.getInfos()).resolves.toMatchObject({ uuid: expect.any(String) });
  expect(errors).toEqual([]);
});
