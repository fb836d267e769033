import net from 'node:net';
import { ApiRequester } from './api-requester';
import { BadResponse, NetworkError, RefreshTokenError, ServerError, TimeoutError } from './errors';
import type { FetchInit, FetchLike } from './types';
import { route } from './url';
import { fetchTrusting } from '../../../test/support/wazo/node-fetch';
import { testCertificate } from '../../../test/support/wazo/tls';
import { WazoMockServer } from '../../../test/support/wazo/wazo-server';
import { sleep, waitFor } from '../../../test/support/wazo/wait';

const PERSONAL = 'dird/0.1/personal';
let server: WazoMockServer;
let fetchImpl: FetchLike;

beforeAll(async () => {
  const tls = testCertificate();
  server = await WazoMockServer.start(tls);
  fetchImpl = fetchTrusting(tls.cert);
});

afterAll(() => server.close());

afterEach(() => {
  expect(server.violations()).toEqual([]);
  server.reset();
});

function requester(overrides: Partial<ConstructorParameters<typeof ApiRequester>[0]> = {}): ApiRequester {
  return new ApiRequester({ server: server.host, token: 'old-token', fetch: fetchImpl, requestTimeout: 5000, ...overrides });
}

function deferred(): { promise: Promise<void>; release: () => void } {
  let release: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
/**
 * The process-wide timer count settles back to `before` (within 2 s): other code in this process (the
 * test server's sockets, a parallel suite's fetch) may hold a timer for a moment; a requester that
 * leaked its own — 300 s in the original SDK — never lets the count come back.
 */
async function timersSettleTo(before: number): Promise<number> {
  const end = Date.now() + 2000;
  while (timers() > before && Date.now() < end) await new Promise((r) => setImmediate(r));
  return timers();
}

describe('requests', () => {
  it('call(path) is a GET with the token and JSON accept header (the seed form)', async () => {
    server.when('GET', PERSONAL, { body: { items: [{ id: 'a', firstname: 'Ann' }], total: 1 } });
    const result = await requester().call(PERSONAL);
    expect(result).toEqual({ items: [{ id: 'a', firstname: 'Ann' }], total: 1 });
    const [req] = server.requests;
    expect(req.method).toBe('GET');
    expect(req.url).toBe(`/api/${PERSONAL}`);
    expect(req.headers['x-auth-token']).toBe('old-token');
    expect(req.headers.accept).toBe('application/json');
    expect(req.body.length).toBe(0);
  });

  it('call({ path, method, body }) sends a JSON body (the SDK ≥ 0.45 form)', async () => {
    await requester().call({ path: PERSONAL, method: 'post', body: { firstname: 'Ann', lastname: 'Lee' } });
    const [req] = server.requests;
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.json()).toEqual({ firstname: 'Ann', lastname: 'Lee' });
  });

  it('keeps 0, false and empty strings in query strings, drops null/undefined, joins arrays', async () => {
    await requester().get('call-logd/1.0/users/me/cdr', { offset: 0, limit: 10, recorded: false, search: '', number: null, call_direction: undefined });
    const [req] = server.requests;
    expect(req.url).toBe('/api/call-logd/1.0/users/me/cdr?offset=0&limit=10&recorded=false&search=');
    await requester().get('chatd/1.0/users/presences', { user_uuid: ['a', 'b c'] });
    expect(server.requests[1].url).toBe('/api/chatd/1.0/users/presences?user_uuid=a%2Cb%20c');
  });

  it('percent-encodes path parameters built with route``', async () => {
    await requester().delete(`dird/0.1/${route`personal/${'a/b c#1'}`}`);
    expect(server.requests[0].url).toBe('/api/dird/0.1/personal/a%2Fb%20c%231');
  });

  it('returns arrays as arrays and adds no _headers', async () => {
    server.when('GET', PERSONAL, { body: [1, 2, { a: [3] }] });
    const result = await requester().get(PERSONAL);
    expect(Array.isArray(result)).toBe(true);
    expect(result).toEqual([1, 2, { a: [3] }]);
  });

  it('resolves 204 and empty 200 answers to null, and text answers to text', async () => {
    server.when('DELETE', PERSONAL, { status: 204 });
    await expect(requester().call({ path: PERSONAL, method: 'delete' })).resolves.toBeNull();
    server.when('GET', PERSONAL, { status: 200, text: '' }, 1);
    await expect(requester().get(PERSONAL)).resolves.toBeNull();
    server.when('GET', PERSONAL, { status: 200, text: 'plain words', headers: { 'content-type': 'text/plain' } }, 1);
    await expect(requester().get(PERSONAL)).resolves.toBe('plain words');
  });

  it('merges per-call headers over the defaults; null removes one', async () => {
    const client = requester({ tenant: 'tenant-1', fetchOptions: { headers: { 'X-User-UUID': 'u-1' } } });
    await client.get(PERSONAL, null, { 'Wazo-Tenant': null, 'X-Extra': 'yes' });
    const { headers } = server.requests[0];
    expect(headers['x-auth-token']).toBe('old-token');
    expect(headers['wazo-tenant']).toBeUndefined();
    expect(headers['x-extra']).toBe('yes');
    expect(headers['x-user-uuid']).toBe('u-1');
    await client.get(PERSONAL, null, { 'Wazo-Tenant': 'tenant-2' });
    expect(server.requests[1].headers['wazo-tenant']).toBe('tenant-2');
    expect(server.requests[1].headers['x-auth-token']).toBe('old-token');
  });

  it('hands the agent to the fetch implementation', async () => {
    const agent = { name: 'agent' };
    let seen: FetchInit | null = null;
    const spy: FetchLike = (url, init) => {
      seen = init;
      return fetchImpl(url, init);
    };
    await requester({ agent, fetch: spy }).get(PERSONAL);
    expect(seen!.agent).toBe(agent);
  });

  it('accepts an explicit http(s):// origin as server', async () => {
    const client = requester({ server: `https://${server.host}/` });
    expect(client.computeUrl('get', PERSONAL, { limit: 0 })).toBe(`https://${server.host}/api/${PERSONAL}?limit=0`);
    expect(client.computeUrl('get', `${PERSONAL}?order=firstname`, { limit: 0 })).toBe(`https://${server.host}/api/${PERSONAL}?order=firstname&limit=0`);
    await client.get(PERSONAL);
    expect(server.requests).toHaveLength(1);
  });
});

describe('errors', () => {
  it('maps a 4xx to BadResponse with status, error id, message, details and timestamp', async () => {
    const body = { message: 'Invalid data', error_id: 'invalid-data', details: { firstname: ['required'] }, timestamp: 1714557600.5 };
    server.when('POST', PERSONAL, { status: 400, body });
    const error = await requester().post(PERSONAL, { lastname: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadResponse);
    expect(error).not.toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ name: 'BadResponse', status: 400, errorId: 'invalid-data', message: 'Invalid data', details: { firstname: ['required'] }, timestamp: 1714557600.5, error: body });
  });

  it('reads wazo-auth error bodies ({reason, timestamp, status_code})', async () => {
    server.when('GET', /^auth\/0\.1\/token\//, { status: 403, body: { reason: ['Unauthorized for acl'], timestamp: ['2024-05-01 10:00:00'], status_code: 403 } });
    const error = await requester().call({ path: 'auth/0.1/token/abc', authenticated: false }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 403, message: 'Unauthorized for acl', reason: ['Unauthorized for acl'], timestamp: '2024-05-01 10:00:00', errorId: null });
  });

  it('maps a 5xx to ServerError (a BadResponse too), text bodies included', async () => {
    server.when('GET', PERSONAL, { status: 503, body: { message: 'wazo-auth unavailable', error_id: 'unavailable' } }, 1);
    const json = await requester().get(PERSONAL).catch((e: unknown) => e);
    expect(json).toBeInstanceOf(ServerError);
    expect(json).toBeInstanceOf(BadResponse);
    expect(json).toMatchObject({ name: 'ServerError', status: 503, errorId: 'unavailable' });
    server.when('GET', PERSONAL, { status: 502, text: 'Bad Gateway', headers: { 'content-type': 'text/html' } }, 1);
    await expect(requester().get(PERSONAL)).rejects.toMatchObject({ name: 'ServerError', status: 502, message: 'Bad Gateway' });
  });

  it('maps a cut connection and a refused connection to NetworkError', async () => {
    server.when('GET', PERSONAL, { destroy: true });
    await expect(requester().get(PERSONAL)).rejects.toBeInstanceOf(NetworkError);
    const closed = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    await expect(requester({ server: `127.0.0.1:${closed}` }).get(PERSONAL)).rejects.toMatchObject({ name: 'NetworkError' });
  });

  it('times out with TimeoutError and leaves no timer behind', async () => {
    server.when('GET', PERSONAL, { hang: true });
    const before = timers();
    const started = Date.now();
    const error = await requester({ requestTimeout: 150 }).get(PERSONAL).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ timeout: 150, message: 'Request timed out after 150 ms' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await timersSettleTo(before)).toBeLessThanOrEqual(before);
  });

  it('clears the timeout of a successful request (the original kept a 300 s timer)', async () => {
    const before = timers();
    await requester({ requestTimeout: 300_000 }).get(PERSONAL);
    expect(await timersSettleTo(before)).toBeLessThanOrEqual(before);
  });

  it('also times out a body that stalls after the headers', async () => {
    const stalled: FetchLike = async () =>
      new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode('{"a":')) }), { status: 200, headers: { 'content-type': 'application/json' } });
    await expect(requester({ fetch: stalled, requestTimeout: 100 }).get(PERSONAL)).rejects.toBeInstanceOf(TimeoutError);
  });
});

describe('token refresh', () => {
  // The server accepts only `new-token`.
  const onlyNewToken = () =>
    server.when('GET', PERSONAL, (req) => (req.headers['x-auth-token'] === 'new-token' ? { body: { items: [] } } : { status: 401, body: { message: 'Unauthorized', error_id: 'unauthorized' } }));

  it('refreshes once on 401 and replays the call once with the new token', async () => {
    onlyNewToken();
    const refresh = jest.fn(async () => 'new-token');
    const client = requester({ refreshTokenCallback: refresh });
    await expect(client.get(PERSONAL)).resolves.toEqual({ items: [] });
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(server.requests.map((r) => r.headers['x-auth-token'])).toEqual(['old-token', 'new-token']);
    expect(client.token).toBe('new-token');
  });

  it('shares one refresh between concurrent rejected calls', async () => {
    onlyNewToken();
    const gate = deferred();
    const refresh = jest.fn(async () => {
      await gate.promise;
      return 'new-token';
    });
    const client = requester({ refreshTokenCallback: refresh });
    const calls = Promise.all([client.get(PERSONAL), client.get(PERSONAL), client.get(PERSONAL)]);
    // Let all three be rejected before the refresh completes.
    await waitFor(() => server.requests.length === 3, 3000, 'three rejected calls');
    gate.release();
    await expect(calls).resolves.toHaveLength(3);
    expect(refresh).toHaveBeenCalledTimes(1);
    const tokens = server.requests.map((r) => r.headers['x-auth-token']);
    expect(tokens.filter((t) => t === 'old-token')).toHaveLength(3);
    expect(tokens.filter((t) => t === 'new-token')).toHaveLength(3);
  });

  it('makes a call started during a refresh wait for the new token', async () => {
    onlyNewToken();
    const gate = deferred();
    let refreshing = false;
    const client = requester({
      refreshTokenCallback: async () => {
        refreshing = true;
        await gate.promise;
        return 'new-token';
      },
    });
    const first = client.get(PERSONAL);
    await waitFor(() => refreshing, 3000, 'refresh started');
    const second = client.get(PERSONAL);
    await sleep(20);
    gate.release();
    await Promise.all([first, second]);
    expect(server.requests.map((r) => r.headers['x-auth-token'])).toEqual(['old-token', 'new-token', 'new-token']);
  });

  it('replays calls with custom headers with the new token (the original reused the old one)', async () => {
    server.when('POST', 'calld/1.0/users/me/faxes', (req) => (req.headers['x-auth-token'] === 'new-token' ? { status: 201, body: { id: 'fax' } } : { status: 401, body: {} }));
    const client = requester({ refreshTokenCallback: async () => 'new-token' });
    const pdf = new TextEncoder().encode('%PDF-1.4');
    await expect(client.post('calld/1.0/users/me/faxes?extension=1234', pdf, { 'Content-Type': 'application/pdf' })).resolves.toEqual({ id: 'fax' });
    expect(server.requests.map((r) => [r.headers['x-auth-token'], r.headers['content-type']])).toEqual([
      ['old-token', 'application/pdf'],
      ['new-token', 'application/pdf'],
    ]);
  });

  it('without a refresh token: one request, then a typed error (no replay with the expired token)', async () => {
    onlyNewToken();
    const error = await requester({ refreshTokenCallback: async () => null }).get(PERSONAL).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefreshTokenError);
    expect(error).toBeInstanceOf(BadResponse);
    expect(error).toMatchObject({ status: 401, failure: 'no_refresh_token', errorId: 'unauthorized' });
    expect(server.requests).toHaveLength(1);
  });

  it('a standalone requester whose callback returns nothing rejects (the original resolved to undefined)', async () => {
    onlyNewToken();
    await expect(requester({ refreshTokenCallback: () => undefined }).get(PERSONAL)).rejects.toMatchObject({ name: 'RefreshTokenError', failure: 'no_refresh_token' });
    await expect(requester({ refreshTokenCallback: null }).get(PERSONAL)).rejects.toBeInstanceOf(RefreshTokenError);
  });

  it('a failing refresh gives RefreshTokenError carrying the refresh error', async () => {
    onlyNewToken();
    const cause = new Error('refresh exploded');
    const error = await requester({ refreshTokenCallback: async () => Promise.reject(cause) }).get(PERSONAL).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'RefreshTokenError', failure: 'refresh_failed', refreshError: cause, status: 401 });
    expect(server.requests).toHaveLength(1);
  });

  it('retries only once: a second 401 after the refresh is final', async () => {
    server.when('GET', PERSONAL, { status: 401, body: { message: 'nope' } });
    const refresh = jest.fn(async () => 'new-token');
    await expect(requester({ refreshTokenCallback: refresh }).get(PERSONAL)).rejects.toMatchObject({ name: 'BadResponse', status: 401 });
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(server.requests).toHaveLength(2);
  });

  it('never refreshes for requests that do not carry the token (credentials, lookups)', async () => {
    server.when('POST', 'auth/0.1/token', { status: 401, body: { reason: ['Authentication Failed'], status_code: 401 } });
    const refresh = jest.fn(async () => 'new-token');
    const error = await requester({ refreshTokenCallback: refresh })
      .call({ path: 'auth/0.1/token', method: 'post', body: { expiration: 60 }, headers: { Authorization: 'Basic dTpw' }, authenticated: false })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'BadResponse', status: 401, message: 'Authentication Failed' });
    expect(refresh).not.toHaveBeenCalled();
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].headers['x-auth-token']).toBeUndefined();
  });
});
