// The Simple API (`Wazo.Auth`, `Wazo.Websocket`, …) against one local HTTPS stack that serves both the
// REST services and websocketd, as a Wazo engine does behind nginx.
import Wazo from '../index';
import WazoGlobal from '../global';
import * as named from '../index';
import { BadResponse } from '../http/errors';
import { Profile, Session } from '../domain/index';
import { fetchTrusting } from '../../../test/support/wazo/node-fetch';
import { testCertificate } from '../../../test/support/wazo/tls';
import { waitFor } from '../../../test/support/wazo/wait';
import { WazoMockServer } from '../../../test/support/wazo/wazo-server';
import { WebsocketdMock } from '../../../test/support/wazo/websocketd';
import type { JsonObject } from '../util/json';

const USER = '9d3f0a52-51c4-4a8e-9b6c-2c8e7f1d4a22';
const TOKEN = 'a1a1a1a1-0000-4000-8000-000000000001';
const FRESH = 'b2b2b2b2-0000-4000-8000-000000000002';
const REFRESH = 'rt-0000-4000-8000-000000000003';

let stack: WazoMockServer;
let websocketd: WebsocketdMock;

const tokenBody = (token: string, refresh: boolean) => ({
  data: {
    token,
    ...(refresh ? { refresh_token: REFRESH } : {}),
    utc_expires_at: '2030-01-01T00:00:00.000000',
    xivo_uuid: 'stack-uuid',
    session_uuid: 'session-1',
    acl: ['confd.users.me.read'],
    metadata: { uuid: USER, tenant_uuid: 'tenant-1', pbx_user_uuid: USER },
  },
});

function scriptStack(subscriptionType = 2): void {
  stack.when('POST', 'auth/0.1/token', (req) => {
    const body = req.json() as JsonObject;
    if (body.refresh_token) return body.refresh_token === REFRESH ? { body: tokenBody(FRESH, false) } : { status: 401, body: { reason: ['Invalid refresh token'] } };
    const basic = Buffer.from(String(req.headers.authorization).replace('Basic ', ''), 'base64').toString();
    return basic === 'alice:correct horse' ? { body: tokenBody(TOKEN, body.access_type === 'offline') } : { status: 401, body: { reason: ['Authentication Failed'], status_code: 401 } };
  });
  stack.when('GET', /^auth\/0\.1\/token\//, (req) => {
    const token = decodeURIComponent(req.path.split('/').pop() ?? '');
    return websocketd.validTokens.has(token) ? { body: tokenBody(token, false) } : { status: 404, body: { reason: ['No such token'], status_code: 404 } };
  });
  stack.when('GET', `confd/1.1/users/${USER}`, {
    body: {
      uuid: USER,
      firstname: 'Alice',
      lastname: 'Liddell',
      subscription_type: subscriptionType,
      lines: [
        { id: 3, endpoint_sip: { uuid: 'sip-3' }, extensions: [{ id: 1, exten: '1001', context: 'default' }] },
        { id: 4, endpoint_sccp: { id: 9 }, extensions: [] },
      ],
      forwards: { busy: { enabled: false, destination: null } },
      services: { dnd: { enabled: true } },
    },
  });
  stack.when('GET', 'confd/1.1/infos', { body: { uuid: 'stack-uuid', wazo_version: '24.05' } });
  stack.when('GET', `confd/1.1/users/${USER}/lines/3/associated/endpoints/sip`, {
    body: { uuid: 'sip-3', auth_section_options: [['username', 'alice-sip'], ['password', 'sip-secret']], endpoint_section_options: [['webrtc', 'yes'], ['media_address', '10.0.0.1']] },
  });
  stack.when('GET', 'calld/1.0/users/me/calls', (req) => (req.headers['x-auth-token'] === FRESH ? { body: { items: [] } } : { status: 401, body: { message: 'Unauthorized' } }));
}

beforeAll(async () => {
  const tls = testCertificate();
  stack = await WazoMockServer.start(tls);
  websocketd = WebsocketdMock.attachTo(stack.server);
  Wazo.Auth.setApiClientOptions({ fetch: fetchTrusting(tls.cert), requestTimeout: 5000 });
  Wazo.Websocket.setClientOptions({ wsOptions: { ca: tls.cert }, minReconnectionDelay: 40, maxReconnectionDelay: 100 });
  Wazo.Auth.setHost(stack.host);
});

afterAll(async () => {
  Wazo.Websocket.close(true);
  await websocketd.close();
  await stack.close();
});

beforeEach(() => {
  stack.reset();
  websocketd.validTokens.clear();
  websocketd.validTokens.add(TOKEN);
  websocketd.validTokens.add(FRESH);
  scriptStack();
  Wazo.Auth.init('my-app', 1800);
});

afterEach(async () => {
  expect(stack.violations()).toEqual([]);
  await Wazo.Auth.logout();
});

describe('Wazo.Auth.logIn', () => {
  it('logs in, loads the profile, SIP lines and engine version, and opens the WebSocket', async () => {
    const session = await Wazo.Auth.logIn('alice', 'correct horse');
    expect(session).toBeInstanceOf(Session);
    expect(session).toMatchObject({ token: TOKEN, refreshToken: REFRESH, uuid: USER, tenantUuid: 'tenant-1', engineVersion: '24.05', expiresAt: new Date('2030-01-01T00:00:00Z') });
    expect(session!.profile).toBeInstanceOf(Profile);
    expect(session!.profile).toMatchObject({ firstName: 'Alice', doNotDisturb: true, subscriptionType: 2 });
    expect(session!.profile!.sipLines).toHaveLength(1);
    expect(session!.profile!.sipLines[0]).toMatchObject({ username: 'alice-sip', secret: 'sip-secret', host: '10.0.0.1' });
    expect(Wazo.Auth.getSession()).toBe(session);
    expect(Wazo.Auth.getName()).toBe('Alice Liddell');

    const [login] = stack.requests;
    expect(login.json()).toEqual({ backend: 'wazo_user', expiration: 1800, access_type: 'offline', client_id: 'my-app' });
    expect(stack.requests.map((r) => r.operation).sort()).toEqual(
      ['POST auth/token', 'GET confd/users/{user_id}', 'GET confd/infos', 'GET confd/users/{user_uuid}/lines/{line_id}/associated/endpoints/sip'].sort(),
    );

    await waitFor(() => websocketd.openSessions.some((s) => s.started), 3000, 'websocket started');
    const ws = websocketd.openSessions.find((s) => s.started)!;
    expect(ws.url.searchParams.get('token')).toBe(TOKEN);
    expect(ws.url.searchParams.get('userUuid')).toBe(USER);
    expect(ws.subscriptions).toEqual(['*']);
    const events: unknown[] = [];
    Wazo.Websocket.on(Wazo.Websocket.CALL_CREATED, (e) => events.push(e));
    websocketd.emitEvent('call_created', { call_id: 'c1' });
    await waitFor(() => events.length === 1, 2000, 'relayed event');
    Wazo.Websocket.off(Wazo.Websocket.CALL_CREATED);
  });

  it('a wrong password is a single request answered by a 401 BadResponse', async () => {
    Wazo.Auth.setRefreshToken(REFRESH);
    const error = await Wazo.Auth.logIn('alice', 'wrong').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadResponse);
    expect(error).toMatchObject({ status: 401, message: 'Authentication Failed' });
    expect(stack.requests).toHaveLength(1);
  });

  it('checks the minimum subscription and revokes the fresh tokens when it fails', async () => {
    Wazo.Auth.init('my-app', 1800, 3);
    await expect(Wazo.Auth.logIn('alice', 'correct horse')).rejects.toMatchObject({ name: 'InvalidSubscription' });
    expect(stack.requestsTo('DELETE', 'auth/0.1/users/me/tokens/my-app')).toHaveLength(1);
    expect(stack.requestsTo('DELETE', `auth/0.1/token/${TOKEN}`)).toHaveLength(1);
    expect(Wazo.api.token).toBeNull();
    stack.reset();
    scriptStack();
    Wazo.Auth.init('my-app', 1800, 2);
    await expect(Wazo.Auth.logIn('alice', 'correct horse')).resolves.toBeInstanceOf(Session);
  });

  it('needs a tenant id or domain name for another backend', async () => {
    await expect(Wazo.Auth.logIn('alice', 'x', 'ldap_user')).rejects.toMatchObject({ name: 'NoTenantIdError' });
    await expect(Wazo.Auth.logIn('alice', 'x', 'ldap_user', {})).rejects.toMatchObject({ name: 'NoDomainNameError' });
    expect(stack.requests).toHaveLength(0);
    await Wazo.Auth.logIn('alice', 'x', 'ldap_user', { domainName: 'example.com' }).catch(() => null);
    expect(stack.requests[0].json()).toMatchObject({ backend: 'ldap_user', domain_name: 'example.com' });
  });
});

describe('tokens', () => {
  it('refreshes an expired token, updates the session and the WebSocket, and calls setOnRefreshToken', async () => {
    const refreshed: Array<[string, Session]> = [];
    Wazo.Auth.setOnRefreshToken((token, session) => refreshed.push([token, session]));
    await Wazo.Auth.logIn('alice', 'correct horse');
    await waitFor(() => websocketd.openSessions.some((s) => s.started), 3000, 'websocket started');
    await expect(Wazo.calld.listCalls()).resolves.toEqual([]);
    expect(refreshed.map(([t]) => t)).toEqual([FRESH]);
    expect(Wazo.Auth.getSession()!.token).toBe(FRESH);
    await waitFor(() => websocketd.openSessions.some((s) => s.token === FRESH), 2000, 'websocket token update');
    const ws = websocketd.openSessions.find((s) => s.started)!;
    expect(ws.received.at(-1)).toEqual({ op: 'token', data: { token: FRESH } });
    Wazo.Auth.setOnRefreshToken(null);
  });

  it('validateToken renews an unknown token with the refresh token', async () => {
    websocketd.validTokens.delete(TOKEN);
    const session = await Wazo.Auth.validateToken(TOKEN, REFRESH);
    expect(session).toMatchObject({ token: FRESH, uuid: USER });
    expect(session!.profile).toBeInstanceOf(Profile);
    expect(stack.requests.slice(0, 3).map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET /api/auth/0.1/token/${TOKEN}`,
      'POST /api/auth/0.1/token',
      `GET /api/auth/0.1/token/${FRESH}`,
    ]);
    // Without a refresh token, an unknown token is just invalid.
    Wazo.Auth.setRefreshToken(null);
    await expect(Wazo.Auth.validateToken('unknown-token')).resolves.toBeNull();
  });

  it('logout revokes both tokens, closes the WebSocket and really forgets the token', async () => {
    await Wazo.Auth.logIn('alice', 'correct horse');
    await waitFor(() => websocketd.openSessions.length > 0, 3000, 'websocket open');
    stack.reset();
    await Wazo.Auth.logout();
    expect(stack.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['DELETE /api/auth/0.1/users/me/tokens/my-app', `DELETE /api/auth/0.1/token/${TOKEN}`]);
    expect(stack.requests[0].headers['x-auth-token']).toBe(TOKEN);
    await waitFor(() => websocketd.openSessions.length === 0, 2000, 'websocket closed');
    expect(Wazo.Auth.getSession()).toBeNull();
    stack.reset();
    scriptStack();
    await Wazo.confd.getInfos();
    expect(stack.requests[0].headers['x-auth-token']).toBeUndefined();
    // (The validator rightly flags that unauthenticated request; it was the point.)
    stack.reset();
  });

  it('fetchOptions (seed name of setFetchOptions) adds headers to every request', async () => {
    await Wazo.Auth.logIn('alice', 'correct horse');
    Wazo.Auth.fetchOptions({ headers: { 'X-Test': 'yes' } });
    await Wazo.confd.getInfos();
    expect(stack.requests.at(-1)!.headers['x-test']).toBe('yes');
    Wazo.Auth.fetchOptions(null);
  });
});

describe('the Wazo object', () => {
  it('exposes the seed surface: Auth, Websocket constants, IssueReporter, domain, api getters', () => {
    expect(named.default).toBe(Wazo);
    expect(named.Wazo).toBe(Wazo);
    expect(Wazo.domain.Session).toBe(Session);
    expect(Wazo.domain.Profile).toBe(Profile);
    expect(Wazo.Websocket.USERS_SERVICES_DND_UPDATED).toBe('users_services_dnd_updated');
    expect(Wazo.Websocket.ON_AUTH_FAILED).toBe('on_auth_failed');
    expect(Wazo.IssueReporter.INFO).toBe('info');
    expect(Wazo.IssueReporter).toBe(named.IssueReporter);
    expect(Wazo.calld).toBe(Wazo.api.calld);
    expect(typeof Wazo.loggerFor('x').info).toBe('function');
  });

  it('the global build object carries every named export too', () => {
    expect(WazoGlobal).toBe(Wazo);
    const global = WazoGlobal as unknown as Record<string, unknown>;
    for (const name of ['WazoApiClient', 'ApiRequester', 'WebSocketClient', 'WazoWebSocketClient', 'BadResponse', 'SOCKET_EVENTS', 'CALL_CREATED', 'Session']) {
      expect(global[name]).toBe((named as unknown as Record<string, unknown>)[name]);
    }
  });
});
