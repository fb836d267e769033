// The dev engine's REST services through the project's own Wazo client (plugins/wazo): login,
// refresh, token checks, the user's line and merged SIP endpoint, calld and dird, CORS, bad tokens.
// Every exchange is validated against Wazo's OpenAPI specs (fixtures/wazo-openapi).

import https from 'node:https';
import Wazo from '../../plugins/wazo/index';
import { BadResponse } from '../../plugins/wazo/http/errors';
import { WebSocketClient } from '../../plugins/wazo/websocket/websocket-client';
import { startTestEngine, type TestEngine } from '../../test/support/wazo-dev/engine';

// The first exchange loads and compiles the services' OpenAPI specs: seconds on a loaded machine.
jest.setTimeout(20_000);

let t: TestEngine;
/** Every token and refresh token handed out, to prove none reaches the log. */
const secrets: string[] = [];
const keep = <T extends { token?: string; refreshToken?: string | null } | null>(s: T): T => {
  if (s?.token) secrets.push(s.token);
  if (s?.refreshToken) secrets.push(s.refreshToken);
  return s;
};

beforeAll(async () => {
  t = await startTestEngine();
});
afterAll(async () => {
  Wazo.Websocket.close(true);
  await t.engine.stop();
});
afterEach(() => {
  expect(t.specs.violations()).toEqual([]);
});

/** A raw HTTPS request (what a browser's preflight or a broken client sends). */
function raw(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${t.info.url}${path}`, { method, headers, ca: t.info.certificate }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('log in with Basic credentials, read the user, its WebRTC line and the merged SIP endpoint', async () => {
  const client = t.client();
  const session = keep(await client.auth.logIn({ username: '1002', password: 'secret1002' }));
  expect(session?.token).toMatch(/^[0-9a-f-]{36}$/);
  expect(session?.refreshToken).toBeNull();
  client.setToken(session!.token);
  const profile = await client.confd.getUser(session!.uuid!);
  expect([profile.firstName, profile.lastName, profile.username]).toEqual(['Demo', '1002', '1002']);
  expect(profile.lines).toHaveLength(1);
  expect(profile.lines[0].extensions[0]).toMatchObject({ exten: '1002', context: 'default' });
  const line = await client.confd.getUserLineSip(session!.uuid!, profile.lines[0].id);
  expect([line.username, line.secret, line.isWebRtc()]).toEqual(['1002', 'secret1002', true]);
  const options = Object.fromEntries(line.endpointSectionOptions);
  expect(options).toMatchObject({ webrtc: 'yes', max_audio_streams: '1', max_video_streams: '25' });
  expect(options.allow).toBe('!all,opus,g722,alaw,ulaw,vp9,vp8,h264');
  const infos = await client.confd.getInfos();
  expect(infos.wazo_version).toMatch(/^\d+\.\d+$/);
  expect(await client.auth.checkToken(session!.token)).toBe(true);
  expect(await client.auth.checkToken('00000000-0000-4000-8000-000000000000')).toBe(false);
});

test('without view=merged the endpoint has no WebRTC template options (as on Wazo)', async () => {
  const client = t.client();
  const session = keep(await client.auth.logIn({ username: '1003', password: 'secret1003' }));
  const res = await raw('GET', `/api/confd/1.1/users/${session!.uuid}/lines/3/associated/endpoints/sip`, { 'X-Auth-Token': session!.token });
  const body = JSON.parse(res.body) as { endpoint_section_options: string[][] };
  expect(body.endpoint_section_options.map((o) => o[0])).not.toContain('webrtc');
});

test('wrong password → 401 and no token; bad token → 401 on calld, confd, dird', async () => {
  const client = t.client();
  await expect(client.auth.logIn({ username: '1002', password: 'wrong' })).rejects.toMatchObject({ status: 401 });
  client.setToken('5b1b7a7e-0000-4000-8000-00000000dead');
  for (const call of [() => client.calld.listCalls(), () => client.confd.getInfos(), () => client.dird.search('default', 'x')]) {
    const error = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadResponse);
    expect((error as BadResponse).status).toBe(401);
  }
});

test('refresh-token grant: an offline login gets a refresh token, a 401 refreshes and replays', async () => {
  const client = t.client('kazoo-test-app');
  const session = keep(await client.auth.logIn({ username: '1004', password: 'secret1004' }));
  expect(session?.refreshToken).toMatch(/^[0-9a-f-]{36}$/);
  client.setToken('5b1b7a7e-0000-4000-8000-00000000beef');
  client.setRefreshToken(session!.refreshToken!);
  let refreshed: string | null = null;
  client.setOnRefreshToken((token) => {
    refreshed = token;
    secrets.push(token);
  });
  const calls = await client.calld.listCalls();
  expect(calls).toEqual([]);
  expect(refreshed).toMatch(/^[0-9a-f-]{36}$/);
  expect(refreshed).not.toBe(session!.token);
  expect(await client.auth.checkToken(refreshed!)).toBe(true);
  // The refresh token is bound to its client id.
  const other = t.client('another-app');
  await expect(other.auth.refreshToken(session!.refreshToken!)).rejects.toMatchObject({ status: 401 });
  // logout: the token is gone; the refresh token deleted
  client.setToken(refreshed);
  expect(await client.auth.deleteRefreshToken('kazoo-test-app')).toBe(true);
  expect(await client.auth.logOut(refreshed!)).toBe(true);
  expect(await client.auth.checkToken(refreshed!)).toBe(false);
});

test('dird lookup finds demo users; calld on an unknown call is 404; originate without a device or to a bad extension is 400; transfers: bad bodies 400, unknown call 400, unknown transfer 404', async () => {
  const client = t.client();
  const session = keep(await client.auth.logIn({ username: '1001', password: 'secret1001' }));
  client.setToken(session!.token);
  const contacts = await client.dird.search('default', '1005');
  expect(contacts.map((c) => [c.name, c.number])).toEqual([['Demo 1005', '1005']]);
  await expect(client.calld.mute('1.2')).rejects.toMatchObject({ status: 404 });
  await expect(client.calld.cancelCall('1.2')).rejects.toMatchObject({ status: 404 });
  await expect(client.calld.sendDTMF('1.2', '1')).rejects.toMatchObject({ status: 404 });
  const error = async (p: Promise<unknown>): Promise<BadResponse> => (await p.catch((e: unknown) => e)) as BadResponse;
  // 1001 has no registered device here: nothing to ring first.
  const noDevice = await error(client.calld.makeCall('1002', false));
  expect([noDevice.status, noDevice.message]).toEqual([400, expect.stringMatching(/no registered device/)]);
  expect((await error(client.calld.makeCall('9999', false))).status).toBe(400);
  expect((await error(client.calld.makeCall('1002', true))).status).toBe(400);
  const bad = await raw('POST', '/api/calld/1.0/users/me/calls', { 'X-Auth-Token': session!.token, 'Content-Type': 'application/json' }, '{"line_id": 1}');
  expect(bad.status).toBe(400);
  // transfers: calld's error shape and error_id for each bad body (raw: the SDK never sends these)
  const transfer = (body: string) => raw('POST', '/api/calld/1.0/users/me/transfers', { 'X-Auth-Token': session!.token, 'Content-Type': 'application/json' }, body);
  for (const [body, field] of [
    ['{}', 'initiator_call'], ['{"exten": "1003"}', 'initiator_call'], ['{"initiator_call": "1.2"}', 'exten'], ['{"initiator_call": 5, "exten": "1003"}', 'initiator_call'],
    ['{"initiator_call": "1.2", "exten": "1003", "flow": "sideways"}', 'flow'], ['{"initiator_call": "1.2", "exten": "1003", "timeout": -1}', 'timeout'],
    ['{"initiator_call": "1.2", "exten": "1003", "timeout": 2.5}', 'timeout'], ['[]', ''],
  ]) {
    const answer = await transfer(body);
    const parsed = JSON.parse(answer.body);
    expect([body, answer.status, parsed.error_id]).toEqual([body, 400, 'invalid-data']);
    if (field) expect(Object.keys(parsed.details)).toEqual([field]);
  }
  const unknown = await error(client.calld.transferCall('1.2', '1003'));
  expect([unknown.status, unknown.errorId]).toEqual([400, 'transfer-creation-error']);
  expect((await error(client.calld.transferCall('1.2', '1003', 'blind'))).status).toBe(400);
  for (const settle of [client.calld.confirmCallTransfer('no-such-transfer'), client.calld.cancelCallTransfer('no-such-transfer')]) {
    const e = await error(settle);
    expect([e.status, e.errorId]).toEqual([404, 'no-such-transfer']);
  }
  const listed = await raw('GET', '/api/calld/1.0/users/me/transfers', { 'X-Auth-Token': session!.token });
  expect([listed.status, JSON.parse(listed.body)]).toEqual([200, { items: [] }]);
});

test('CORS: preflight and answers allow the headers the SDK sends', async () => {
  const pre = await raw('OPTIONS', '/api/confd/1.1/infos', { Origin: 'https://app.example', 'Access-Control-Request-Headers': 'x-auth-token,x-user-uuid' });
  expect(pre.status).toBe(204);
  const allowed = String(pre.headers['access-control-allow-headers']).toLowerCase();
  for (const h of ['x-auth-token', 'content-type', 'accept', 'wazo-tenant', 'x-user-uuid']) expect(allowed).toContain(h);
  expect(pre.headers['access-control-allow-origin']).toBe('*');
  const status = await raw('HEAD', '/api/auth/0.1/status', { 'X-User-UUID': 'x' });
  expect(status.status).toBe(200);
  expect(status.headers['access-control-allow-origin']).toBe('*');
});

test('bad input: invalid JSON → 400, unknown path → 404, wrong method → 405', async () => {
  expect((await raw('POST', '/api/auth/0.1/token', { 'Content-Type': 'application/json' }, '{nope')).status).toBe(400);
  expect((await raw('GET', '/api/nothing/1.0/x')).status).toBe(404);
  expect((await raw('DELETE', '/api/confd/1.1/infos', { 'X-Auth-Token': 'x' })).status).toBe(405);
  expect((await raw('POST', '/api/auth/0.1/token', { 'Content-Type': 'application/json', Authorization: `Basic ${Buffer.from('1001:secret1001').toString('base64')}` }, '{"expiration": -5}')).status).toBe(400);
});

test('Wazo.Auth.logIn (Simple API) against the engine: session, profile with its SIP line, websocketd connected', async () => {
  Wazo.Auth.init('kazoo-simple', 3600);
  Wazo.Auth.setApiClientOptions({ fetch: t.specs.fetch, requestTimeout: 5000 });
  Wazo.Websocket.setClientOptions({ wsOptions: { ca: t.info.certificate } });
  Wazo.Auth.setHost(t.info.server);
  const session = keep(await Wazo.Auth.logIn('1006', 'secret1006'))!;
  expect(session.profile?.firstName).toBe('Demo');
  const sipLine = session.profile?.sipLines?.[0];
  expect(sipLine?.username).toBe('1006');
  expect(sipLine?.isWebRtc()).toBe(true);
  const deadline = Date.now() + 5000;
  while (!Wazo.Websocket.isOpen() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(Date.now()).toBeLessThan(deadline);
  await Wazo.Auth.logout();
});

test('websocketd closes a session whose token expires with 4003', async () => {
  const client = t.client();
  const session = keep(await client.auth.logIn({ username: '1007', password: 'secret1007', expiration: 2 }))!;
  const ws = new WebSocketClient({ host: t.info.server, token: session.token, events: ['*'], version: 2 }, { wsOptions: { ca: t.info.certificate }, maxRetries: 0 });
  const expired = new Promise((resolve) => ws.on('on_auth_expired', resolve));
  ws.connect();
  const timer = new Promise((_r, reject) => setTimeout(() => reject(new Error('no 4003 within 6 s')), 6000).unref());
  await Promise.race([expired, timer]);
  ws.close(true);
}, 10000);

test('logs carry no password and no token', () => {
  const text = t.logs.join('\n');
  expect(text).toContain('login 1002');
  for (let n = 1001; n <= 1010; n++) expect(text).not.toContain(`secret${n}`);
  expect(secrets.length).toBeGreaterThan(5);
  for (const s of secrets) expect(text).not.toContain(s);
});
