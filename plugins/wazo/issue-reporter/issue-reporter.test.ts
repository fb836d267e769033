import { IssueReporter } from './issue-reporter';
import defaultReporter from './issue-reporter';
import { REDACTED } from './redact';
import { WazoApiClient } from '../api/wazo-api-client';
import { FluentdMock } from '../../../test/support/wazo/fluentd';
import { fetchTrusting } from '../../../test/support/wazo/node-fetch';
import { testCertificate } from '../../../test/support/wazo/tls';
import { waitFor } from '../../../test/support/wazo/wait';
import { WazoMockServer } from '../../../test/support/wazo/wazo-server';

let fluentd: FluentdMock;
let quiet: jest.SpyInstance[];

beforeEach(async () => {
  fluentd = await FluentdMock.start();
  quiet = (['debug', 'info', 'log', 'warn', 'error'] as const).map((m) => jest.spyOn(console, m).mockImplementation(() => undefined));
});

afterEach(async () => {
  quiet.forEach((s) => s.mockRestore());
  await fluentd.close();
});

function reporter(config: Partial<Parameters<IssueReporter['configureRemoteClient']>[0]> = {}): IssueReporter {
  const r = new IssueReporter();
  r.enable();
  r.configureRemoteClient({ host: '127.0.0.1', port: fluentd.port, tag: 'my app', level: 'trace', bufferSize: 3, bufferTimeout: 50, retryDelay: 5, ...config });
  return r;
}

describe('shipping to fluentd in_http', () => {
  it('posts batches of records as a JSON array to /<tag>', async () => {
    const r = reporter({ extra: { user_uuid: 'u-1' } });
    r.log(r.INFO, 'one');
    r.log(r.WARN, 'two');
    expect(fluentd.requests).toBe(0);
    r.log(r.ERROR, 'three');
    await waitFor(() => fluentd.records.length === 3, 2000, 'batch');
    expect(fluentd.requests).toBe(1);
    expect(fluentd.records.map((x) => x.tag)).toEqual(['my app', 'my app', 'my app']);
    const [first] = fluentd.records.map((x) => x.record);
    expect(first).toMatchObject({ level: 'info', message: 'one', category: 'default', user_uuid: 'u-1' });
    expect(new Date(String(first.date)).toISOString()).toBe(first.date);
    expect(fluentd.rawHeaders[0]['content-type']).toBe('application/json');
  });

  it('sends a partial batch after bufferTimeout', async () => {
    const r = reporter({ bufferSize: 50, bufferTimeout: 40 });
    r.log('info', 'alone');
    await waitFor(() => fluentd.records.length === 1, 2000, 'timed flush');
  });

  it('ships only from the configured level up, and nothing without a level or host', async () => {
    const r = reporter({ level: 'warn', bufferSize: 1 });
    r.log('info', 'too low');
    r.log('error', 'high enough');
    await r.flush();
    expect(fluentd.records.map((x) => x.record.message)).toEqual(['high enough']);
    r.configureRemoteClient({ host: '127.0.0.1', port: fluentd.port, tag: 't' });
    r.log('error', 'no level configured');
    r.configureRemoteClient();
    r.log('error', 'no host');
    await r.flush();
    expect(fluentd.records).toHaveLength(1);
  });

  it('loggerFor(category) tags records and carries the level constants', async () => {
    const r = reporter({ bufferSize: 1 });
    const logger = r.loggerFor('my_category');
    logger(logger.TRACE, 'my log');
    logger.error('broken', new TypeError('bad thing'));
    await r.flush();
    expect(fluentd.records.map((x) => x.record)).toEqual([
      expect.objectContaining({ level: 'trace', message: 'my log', category: 'my_category' }),
      expect.objectContaining({ level: 'error', message: 'broken', category: 'my_category', errorMessage: 'bad thing', errorType: 'TypeError' }),
    ]);
    expect(logger.WARN).toBe('warn');
  });

  it('keeps every message argument, takes the trailing object as extra, and lets record fields win over extra', async () => {
    const r = reporter({ bufferSize: 1, extra: { message: 'hijack', category: 'hijack', app: 'softphone' } });
    r.log('warn', 'a', 'b', { c: 2 });
    await r.flush();
    expect(fluentd.records[0].record).toMatchObject({ level: 'warn', message: 'a, b', category: 'default', c: 2, app: 'softphone' });
  });

  it('retries a failed batch, then delivers it once', async () => {
    fluentd.failNext = [500, 503];
    const r = reporter({ bufferSize: 1 });
    r.log('error', 'survives');
    await r.flush();
    expect(fluentd.requests).toBe(3);
    expect(fluentd.records.map((x) => x.record.message)).toEqual(['survives']);
    expect(fluentd.records[0].record.level).toBe('error');
  });

  it('never blocks or throws when fluentd is unreachable', async () => {
    const r = new IssueReporter();
    r.enable();
    r.configureRemoteClient({ host: '127.0.0.1', port: 9, tag: 't', level: 'trace', bufferSize: 1, retryDelay: 1 });
    const started = Date.now();
    for (let i = 0; i < 2000; i += 1) r.log('info', `line ${i}`);
    expect(Date.now() - started).toBeLessThan(1000);
    // Once a batch is given up, the rest get one attempt each, and the backlog is bounded.
    await expect(r.flush()).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('prints once to the console and never replaces console methods', () => {
    const before = console.info;
    const r = reporter();
    expect(console.info).toBe(before);
    r.loggerFor('cat').info('hello');
    expect(before).toHaveBeenCalledTimes(1);
    expect(before).toHaveBeenCalledWith('[cat] hello');
    r.disable();
    r.log('info', 'disabled');
    expect(before).toHaveBeenCalledTimes(1);
  });
});

describe('credentials never leave the process', () => {
  it('redacts secret-looking keys, Basic/Bearer values, JWTs and token pairs in messages', async () => {
    const r = reporter({ bufferSize: 1, extra: { api_key: 'k-123456' } });
    r.log('info', 'sent Authorization: Basic YWxpY2U6cGFzcw== and token=abc123def', { password: 'hunter22', nested: { refresh_token: 'r-abcdef', ok: 'kept' }, list: [{ secret: 's-123456' }] });
    r.log('info', 'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig and path /api/auth/0.1/token/abcdef123456');
    r.addSecret('my-own-secret-value');
    r.log('info', 'contains my-own-secret-value inline');
    await r.flush();
    const shipped = fluentd.rawBodies.join('\n');
    for (const leak of ['YWxpY2U6cGFzcw==', 'abc123def', 'hunter22', 'r-abcdef', 's-123456', 'k-123456', 'eyJhbGciOiJIUzI1NiJ9', 'abcdef123456', 'my-own-secret-value']) {
      expect(shipped).not.toContain(leak);
    }
    expect(shipped).toContain('kept');
    expect(fluentd.records[0].record).toMatchObject({ password: REDACTED, nested: { refresh_token: REDACTED, ok: 'kept' } });
  });

  it('a token set before the reporter was enabled is still scrubbed by its value', async () => {
    const token = 'c0ffee00-1111-4222-8333-444455556666';
    const client = new WazoApiClient({ server: '127.0.0.1:1' });
    client.setToken(token);
    const r = reporter({ bufferSize: 1 });
    try {
      r.log('info', `the page printed ${token} itself`);
      await r.flush();
      expect(fluentd.rawBodies.join('\n')).not.toContain(token);
      expect(fluentd.records).toHaveLength(1);
    } finally {
      r.disable();
    }
  });

  it('a whole login, refresh and failing calls at trace level ship no password, token, refresh token or auth header', async () => {
    const tls = testCertificate();
    const stack = await WazoMockServer.start(tls);
    try {
      const password = 'Sup3r-Secret-Pw';
      stack.when('POST', 'auth/0.1/token', (req) => {
        const body = req.json() as Record<string, unknown>;
        const token = body.refresh_token ? 'd3adbeef-0000-4000-8000-refreshed001' : 'd3adbeef-0000-4000-8000-original0001';
        return { body: { data: { token, refresh_token: 'rt-9c1f2e3d-4b5a-6789-abcd-ef0123456789', utc_expires_at: '2030-01-01T00:00:00', metadata: { uuid: 'u-1' } } } };
      });
      stack.when('GET', 'calld/1.0/users/me/calls', (req) => (req.headers['x-auth-token'] === 'd3adbeef-0000-4000-8000-refreshed001' ? undefined : { status: 401, body: { message: 'expired' } }));
      defaultReporter.enable({ console: false });
      defaultReporter.configureRemoteClient({ host: '127.0.0.1', port: fluentd.port, tag: 'leak-check', level: 'trace', bufferSize: 100, bufferTimeout: 20 });
      const client = new WazoApiClient({ server: stack.host, clientId: 'app', fetch: fetchTrusting(tls.cert) });
      const session = await client.auth.logIn({ username: 'alice', password });
      client.setToken(session!.token);
      client.setRefreshToken(session!.refreshToken);
      await client.calld.listCalls();
      await client.auth.checkToken(session!.token);
      await client.auth.logOut('d3adbeef-0000-4000-8000-refreshed001');
      defaultReporter.loggerFor('app').info('user logged in', { session, headers: { Authorization: 'Basic abc' } });
      await defaultReporter.flush();

      const shipped = fluentd.rawBodies.join('\n');
      expect(fluentd.records.length).toBeGreaterThanOrEqual(6);
      expect(fluentd.records.some((x) => x.record.category === 'http' && /401/.test(String(x.record.message)))).toBe(true);
      for (const leak of [password, Buffer.from(`alice:${password}`).toString('base64'), 'd3adbeef-0000-4000-8000-original0001', 'd3adbeef-0000-4000-8000-refreshed001', 'rt-9c1f2e3d-4b5a-6789-abcd-ef0123456789', 'Basic abc']) {
        expect(shipped).not.toContain(leak);
      }
      expect(shipped).not.toMatch(/x-auth-token"?\s*:\s*"[^[]/i);
    } finally {
      defaultReporter.disable();
      defaultReporter.configureRemoteClient();
      await stack.close();
    }
  });
});
