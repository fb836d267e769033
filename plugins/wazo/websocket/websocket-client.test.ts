import * as wazo from '../index';
import { backoffDelay } from './backoff';
import { EVENTS, EVENT_NAMES, SOCKET_EVENTS } from './events';
import { WebSocketClient, type CloseInfo, type WazoEvent, type WebSocketClientOptions } from './websocket-client';
import { testCertificate } from '../../../test/support/wazo/tls';
import { sleep, waitFor } from '../../../test/support/wazo/wait';
import { WebsocketdMock } from '../../../test/support/wazo/websocketd';

const FAST: WebSocketClientOptions = { minReconnectionDelay: 40, maxReconnectionDelay: 160, reconnectionDelayGrowFactor: 2, connectionTimeout: 400 };

let server: WebsocketdMock;
const clients: WebSocketClient[] = [];

beforeEach(async () => {
  server = await WebsocketdMock.start();
  server.validTokens.add('token-1');
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close(true);
  await server.close();
});

function connect(args: Partial<ConstructorParameters<typeof WebSocketClient>[0]> = {}, options: WebSocketClientOptions = {}) {
  const client = new WebSocketClient({ host: server.host, token: 'token-1', events: ['call_created', 'users_services_dnd_updated'], heartbeat: false, ...args }, { ...FAST, ...options });
  clients.push(client);
  const log: Array<[string, unknown]> = [];
  for (const name of [...Object.values(SOCKET_EVENTS), 'pong', 'message']) client.on(name, (payload?: unknown) => log.push([name, payload]));
  client.connect();
  const count = (name: string) => log.filter(([n]) => n === name).length;
  return { client, log, count };
}

describe('protocol v2 handshake and events', () => {
  it('subscribes to each event, starts, then emits events with the bus message as payload', async () => {
    const { client, count } = connect({ session: { uuid: 'user/1' } });
    await waitFor(() => client.initialized, 3000, 'initialized');
    const [session] = server.sessions;
    expect(session.received).toEqual([
      { op: 'subscribe', data: { event_name: 'call_created' } },
      { op: 'subscribe', data: { event_name: 'users_services_dnd_updated' } },
      { op: 'start' },
    ]);
    expect(session.url.searchParams.get('token')).toBe('token-1');
    expect(session.url.searchParams.get('version')).toBe('2');
    expect(session.url.searchParams.get('userUuid')).toBe('user/1');
    expect(count(SOCKET_EVENTS.ON_OPEN)).toBe(1);
    expect(count(SOCKET_EVENTS.INITIALIZED)).toBe(1);

    const received: WazoEvent[] = [];
    client.on(EVENTS.USERS_SERVICES_DND_UPDATED, (event) => received.push(event));
    expect(server.emitEvent('users_services_dnd_updated', { user_uuid: 'u1', enabled: true })).toBe(1);
    expect(server.emitEvent('favorite_added', { id: 1 })).toBe(0);
    await waitFor(() => received.length === 1, 2000, 'event');
    expect(received[0]).toMatchObject({ name: 'users_services_dnd_updated', data: { enabled: true } });
    expect(client.isConnected()).toBe(true);
  });

  it('loads `ws` lazily in Node 20, which has no global WebSocket', async () => {
    expect((globalThis as { WebSocket?: unknown }).WebSocket).toBeUndefined();
    const { client } = connect();
    await waitFor(() => client.initialized, 3000, 'initialized');
  });

  it('speaks wss with a private CA through wsOptions', async () => {
    const tls = testCertificate();
    const secure = await WebsocketdMock.start(tls);
    secure.validTokens.add('token-1');
    try {
      const client = new WebSocketClient({ host: `127.0.0.1:${secure.port}`, token: 'token-1', events: ['*'], heartbeat: false }, { ...FAST, wsOptions: { ca: tls.cert } });
      clients.push(client);
      expect(client.getUrl()).toBe(`wss://127.0.0.1:${secure.port}/api/websocketd/?token=token-1&version=2`);
      client.connect();
      await waitFor(() => client.initialized, 3000, 'initialized over TLS');
      expect(secure.sessions[0].subscriptions).toEqual(['*']);
    } finally {
      await secure.close();
    }
  });

  it('protocol v1 emits the raw bus message under its name', async () => {
    const { client } = connect({ version: 1, events: ['*'] });
    await waitFor(() => client.initialized, 3000, 'initialized');
    const got: WazoEvent[] = [];
    client.on('call_created', (e) => got.push(e));
    server.emitEvent('call_created', { call_id: 'c1' });
    await waitFor(() => got.length === 1, 2000, 'v1 event');
    expect(got[0]).toMatchObject({ name: 'call_created', data: { call_id: 'c1' } });
  });
});

describe('tokens', () => {
  it('updateToken on a live connection sends {op: token} without reconnecting', async () => {
    server.validTokens.add('token-2');
    const { client, count } = connect();
    await waitFor(() => client.initialized, 3000, 'initialized');
    client.updateToken('token-2');
    await waitFor(() => server.sessions[0].token === 'token-2', 2000, 'token op');
    expect(server.sessions[0].received.at(-1)).toEqual({ op: 'token', data: { token: 'token-2' } });
    await sleep(50);
    expect(server.sessions).toHaveLength(1);
    expect(count(SOCKET_EVENTS.ON_CLOSE)).toBe(0);
  });

  it('an expired token (4003) stops retries until updateToken, which reconnects with the new token', async () => {
    const { client, log, count } = connect();
    await waitFor(() => client.initialized, 3000, 'initialized');
    server.expire('token-1');
    await waitFor(() => count(SOCKET_EVENTS.ON_AUTH_EXPIRED) === 1, 2000, 'on_auth_expired');
    const info = log.find(([n]) => n === SOCKET_EVENTS.ON_AUTH_EXPIRED)?.[1] as CloseInfo;
    expect(info).toMatchObject({ code: 4003, reason: 'authentication expired' });
    await sleep(300);
    expect(server.sessions).toHaveLength(1);
    expect(count(SOCKET_EVENTS.ON_RECONNECTING)).toBe(0);

    server.validTokens.add('token-2');
    client.updateToken('token-2');
    await waitFor(() => client.initialized, 3000, 're-initialized');
    expect(server.sessions).toHaveLength(2);
    expect(server.sessions[1].url.searchParams.get('token')).toBe('token-2');
  });

  it.each([
    [4001, SOCKET_EVENTS.ON_TOKEN_MISSING],
    [4002, SOCKET_EVENTS.ON_AUTH_FAILED],
    [4003, SOCKET_EVENTS.ON_AUTH_EXPIRED],
    [4004, SOCKET_EVENTS.ON_PROTOCOL_ERROR],
  ])('close code %i is surfaced as %s and not retried', async (code, event) => {
    const { client, log, count } = connect();
    await waitFor(() => client.initialized, 3000, 'initialized');
    server.closeAll(code, 'from server');
    await waitFor(() => count(event) === 1, 2000, event);
    expect(log.find(([n]) => n === event)?.[1]).toEqual({ code, reason: 'from server', wasClean: true });
    expect(log.find(([n]) => n === SOCKET_EVENTS.ON_CLOSE)?.[1]).toMatchObject({ code });
    await sleep(250);
    expect(server.sessions).toHaveLength(1);
  });

  it('a token rejected at connect time (4002) is not retried in a loop', async () => {
    const { count } = connect({ token: 'bad-token' });
    await waitFor(() => count(SOCKET_EVENTS.ON_AUTH_FAILED) === 1, 2000, 'on_auth_failed');
    await sleep(250);
    expect(server.sessions).toHaveLength(1);
  });
});

describe('reconnection', () => {
  it('reconnects with growing, jittered delays after a server restart, and resubscribes', async () => {
    const { client, log, count } = connect();
    await waitFor(() => client.initialized, 3000, 'initialized');
    await server.stop();
    await waitFor(() => count(SOCKET_EVENTS.ON_RECONNECTING) >= 3, 3000, 'three retries');
    const retries = log.filter(([n]) => n === SOCKET_EVENTS.ON_RECONNECTING).map(([, p]) => p as { attempt: number; delay: number });
    retries.slice(0, 3).forEach(({ attempt, delay }) => {
      const base = Math.min(160, 40 * 2 ** (attempt - 1));
      expect(delay).toBeGreaterThanOrEqual(base / 2);
      expect(delay).toBeLessThanOrEqual(base);
    });
    expect(retries.map((r) => r.attempt).slice(0, 3)).toEqual([1, 2, 3]);

    await server.restart();
    await waitFor(() => client.initialized, 3000, 're-initialized');
    const latest = server.sessions.at(-1)!;
    expect(latest.subscriptions).toEqual(['call_created', 'users_services_dnd_updated']);
    const got: WazoEvent[] = [];
    client.on('call_created', (e) => got.push(e));
    server.emitEvent('call_created', { call_id: 'after-restart' });
    await waitFor(() => got.length === 1, 2000, 'event after restart');
  });

  it('gives up a connection whose server never completes the handshake, and retries', async () => {
    server.sendInit = false;
    const { client, count } = connect({}, { connectionTimeout: 150 });
    await waitFor(() => count(SOCKET_EVENTS.ON_RECONNECTING) >= 1, 2000, 'retry after connection timeout');
    server.sendInit = true;
    await waitFor(() => client.initialized, 3000, 'initialized on retry');
    expect(server.sessions.length).toBeGreaterThanOrEqual(2);
  });

  it('close() stops pending retries for good', async () => {
    const { client, count } = connect();
    await waitFor(() => client.initialized, 3000, 'initialized');
    await server.stop();
    await waitFor(() => count(SOCKET_EVENTS.ON_RECONNECTING) >= 1, 2000, 'retrying');
    client.close();
    await server.restart();
    const sessions = server.sessions.length;
    const retries = count(SOCKET_EVENTS.ON_RECONNECTING);
    await sleep(400);
    expect(server.sessions.length).toBe(sessions);
    expect(count(SOCKET_EVENTS.ON_RECONNECTING)).toBe(retries);
    expect(client.hasHeartbeat()).toBe(false);
  });
});

describe('heartbeat', () => {
  it('keeps pinging for the life of the connection (not just 3 times)', async () => {
    const { client, count } = connect({ heartbeat: { delay: 20, timeout: 2000, max: 3 } });
    await waitFor(() => client.initialized, 3000, 'initialized');
    await waitFor(() => server.sessions[0].received.filter((m) => m.op === 'ping').length >= 6, 3000, 'six pings');
    expect(server.sessions[0].received.find((m) => m.op === 'ping')).toEqual({ op: 'ping', data: { payload: 'pong' } });
    expect(count('pong')).toBeGreaterThanOrEqual(5);
    expect(client.hasHeartbeat()).toBe(true);
    expect(server.sessions).toHaveLength(1);
  });

  it('detects a silent (half-open) connection and replaces it', async () => {
    const timeouts = jest.fn();
    const { client, log, count } = connect({ heartbeat: { delay: 30, timeout: 120 } });
    client.setOnHeartbeatTimeout(timeouts);
    await waitFor(() => client.initialized, 3000, 'initialized');
    server.silent = true;
    await waitFor(() => count(SOCKET_EVENTS.ON_HEARTBEAT_TIMEOUT) === 1, 3000, 'heartbeat timeout');
    expect(timeouts).toHaveBeenCalledTimes(1);
    expect(log.find(([n]) => n === SOCKET_EVENTS.ON_CLOSE)?.[1]).toEqual({ code: 4900, reason: 'heartbeat timeout', wasClean: false });
    server.silent = false;
    await waitFor(() => server.sessions.length >= 2 && client.initialized, 3000, 'new connection');
  });
});

describe('event-name constants', () => {
  it('exports all 74 constants with their wire values', () => {
    expect(EVENT_NAMES).toHaveLength(74);
    expect(WebSocketClient.eventLists).toBe(EVENT_NAMES);
    for (const [constant, value] of Object.entries(EVENTS)) {
      expect((wazo as unknown as Record<string, unknown>)[constant]).toBe(value);
      if (!constant.startsWith('AGENT_QUEUE_')) expect(value).toBe(constant.toLowerCase());
    }
    expect(wazo.AGENT_QUEUE_LOGGED_IN).toBe('user_agent_queue_logged_in');
    expect(wazo.USERS_SERVICES_DND_UPDATED).toBe('users_services_dnd_updated');
    expect(wazo.AUTH_SESSION_EXPIRE_SOON).toBe('auth_session_expire_soon');
    expect(wazo.SOCKET_EVENTS).toMatchObject({ ON_OPEN: 'onopen', ON_MESSAGE: 'onmessage', ON_ERROR: 'onerror', ON_CLOSE: 'onclose', INITIALIZED: 'initialized', ON_AUTH_FAILED: 'on_auth_failed' });
    expect(wazo.WazoWebSocketClient).toBe(wazo.WebSocketClient);
  });
});

describe('backoff', () => {
  const options = { minDelay: 1000, maxDelay: 10_000, factor: 1.3 };
  it('grows by the factor, is capped, and jitters within [base/2, base]', () => {
    expect(backoffDelay(1, { ...options, random: () => 0 })).toBe(500);
    expect(backoffDelay(1, { ...options, random: () => 0.999999 })).toBe(1000);
    expect(backoffDelay(2, { ...options, random: () => 0.5 })).toBe(975);
    expect(backoffDelay(50, { ...options, random: () => 0.999999 })).toBe(10_000);
    expect(backoffDelay(50, { ...options, random: () => 0 })).toBe(5000);
  });
});
