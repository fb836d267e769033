/**
 * Draining (SIGTERM): the order of things on a clock the test drives (drain.ts), then a real gateway
 * with its development SIP server, sipp answering a call, clients over TCP and the HTTP port's `/health`.
 */
import http from 'node:http';
import { connect as connectTcp } from 'node:net';
import WebSocket from 'ws';
import { drain, type DrainTarget } from './drain';
import { parseCliArgs } from './cli-args';
import { main } from './cli';
import { freeUdpPort, Phone, Rig, settle, sleep, startRig, startSippEcho, until } from '../test/support/gateway/harness';

jest.setTimeout(30_000);

/** A gateway stand-in: `calls` and `idle` are what it holds; every step is recorded with the fake time. */
function fakeTarget(state: { calls: number; idle: number }) {
  const steps: string[] = [];
  let t = 0;
  const target: DrainTarget = {
    stopAccepting: () => void steps.push(`${t} stop accepting`),
    activeCalls: () => state.calls,
    closeIdleSessions: () => {
      const n = state.idle;
      state.idle = 0;
      if (n) steps.push(`${t} closed ${n} idle`);
      return n;
    },
    stop: async () => void steps.push(`${t} stop (${state.calls} calls)`),
  };
  const clock = {
    now: () => t,
    /** advances the fake clock; `onTick` lets a test change the state at a given time */
    wait: async (ms: number) => { t += ms; onTick(t); },
  };
  let onTick: (now: number) => void = () => undefined;
  return { target, steps, clock, at: (fn: (now: number) => void) => { onTick = fn; } };
}

describe('drain() on a driven clock', () => {
  test('no calls: idle sessions closed only after the idle delay, then stop', async () => {
    const state = { calls: 0, idle: 3 };
    const f = fakeTarget(state);
    const outcome = await drain(f.target, { timeoutMs: 60_000, idleDelayMs: 2000, pollMs: 250, ...f.clock });
    expect(f.steps).toEqual(['0 stop accepting', '2000 closed 3 idle', '2000 stop (0 calls)']);
    expect(outcome).toEqual({ reason: 'drained', callsEnded: 0, sessionsMoved: 3, ms: 2000 });
  });

  test('calls are kept until they end; a session whose call ended is closed at the next poll', async () => {
    const state = { calls: 2, idle: 1 };
    const f = fakeTarget(state);
    f.at((now) => {
      if (now === 5000) { state.calls = 1; state.idle = 1; } // one call hung up: its session is now idle
      if (now === 9000) { state.calls = 0; state.idle = 1; }
    });
    const outcome = await drain(f.target, { timeoutMs: 60_000, idleDelayMs: 1000, pollMs: 250, ...f.clock });
    expect(f.steps).toEqual(['0 stop accepting', '1000 closed 1 idle', '5000 closed 1 idle', '9000 closed 1 idle', '9000 stop (0 calls)']);
    expect(outcome).toEqual({ reason: 'drained', callsEnded: 0, sessionsMoved: 3, ms: 9000 });
  });

  test('the drain timeout ends the calls still up', async () => {
    const state = { calls: 2, idle: 0 };
    const f = fakeTarget(state);
    const outcome = await drain(f.target, { timeoutMs: 10_000, idleDelayMs: 1000, pollMs: 1000, ...f.clock });
    expect(f.steps).toEqual(['0 stop accepting', '10000 stop (2 calls)']);
    expect(outcome).toMatchObject({ reason: 'timeout', callsEnded: 2, ms: 10_000 });
  });

  test('aborted (SIGINT, a second SIGTERM): stops at once with the calls still up', async () => {
    const state = { calls: 1, idle: 2 };
    const f = fakeTarget(state);
    const abort = new AbortController();
    f.at((now) => { if (now >= 750) abort.abort(); });
    const outcome = await drain(f.target, { timeoutMs: 60_000, idleDelayMs: 5000, pollMs: 250, signal: abort.signal, ...f.clock });
    expect(f.steps).toEqual(['0 stop accepting', '750 stop (1 calls)']);
    expect(outcome).toMatchObject({ reason: 'aborted', callsEnded: 1, sessionsMoved: 0 });
  });

  test('a negative timeout is a RangeError, nothing is touched', async () => {
    const f = fakeTarget({ calls: 0, idle: 0 });
    await expect(drain(f.target, { timeoutMs: -1, idleDelayMs: 0, ...f.clock })).rejects.toThrow(RangeError);
    expect(f.steps).toEqual([]);
  });

  test('the real clock: an abort wakes the wait at once', async () => {
    const f = fakeTarget({ calls: 1, idle: 0 });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 50);
    const t0 = Date.now();
    const outcome = await drain(f.target, { timeoutMs: 60_000, idleDelayMs: 0, pollMs: 10_000, signal: abort.signal });
    expect(outcome.reason).toBe('aborted');
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

test('CLI: --drain-timeout and --drain-idle-delay in seconds; bad values are errors', () => {
  expect(parseCliArgs(['--drain-timeout', '600', '--drain-idle-delay', '0'])).toEqual({ kind: 'run', options: { logLevel: 'info', drainTimeoutMs: 600_000, drainIdleDelayMs: 0 } });
  expect(parseCliArgs(['--drain-timeout', '-1'])).toMatchObject({ kind: 'error', message: expect.stringContaining('--drain-timeout') });
  expect(parseCliArgs(['--drain-idle-delay', '1.5'])).toMatchObject({ kind: 'error' });
  expect(parseCliArgs(['--drain-timeout'])).toMatchObject({ kind: 'error', message: '--drain-timeout needs a value' });
});

describe('the process: signals (emitted on this process, so main() sees them as the bin would)', () => {
  const args = ['--rtmp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--log-level', 'silent'];

  test('SIGTERM drains; with nothing to keep, main() returns 0 after the idle delay', async () => {
    const code = main([...args, '--drain-idle-delay', '0']);
    await sleep(300); // listening
    const t0 = Date.now();
    process.emit('SIGTERM');
    expect(await code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  test('SIGINT during the drain stops at once', async () => {
    const code = main([...args, '--drain-idle-delay', '60']);
    await sleep(300);
    process.emit('SIGTERM');
    await sleep(200);
    const t0 = Date.now();
    process.emit('SIGINT');
    expect(await code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(2500);
  });
});

/** GET (or an upgrade / RTMPT open) on the gateway's HTTP port: status and body */
function request(rig: Rig, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: rig.addresses.http!.port, method, path, agent: false, headers }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? Buffer.from([0]) : undefined);
  });
}

const tcpAccepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connectTcp(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });

describe('a real gateway draining', () => {
  let rig: Rig;
  const phones: Phone[] = [];

  beforeEach(async () => {
    rig = await startRig({ drainIdleDelayMs: 300, drainTimeoutMs: 20_000 });
  });

  afterEach(async () => {
    await settle(rig, phones).catch(() => undefined);
    await rig.stop();
  });

  test('/health: 200 serving with counts, then 503 draining; new connections refused on every listener; the call stays until its bye', async () => {
    const health = await request(rig, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'serving', sessions: 0, calls: 0 });

    const port = await freeUdpPort();
    const sipp = await startSippEcho(port, await freeUdpPort());
    const inCall = await Phone.tcp(rig.addresses, '1001');
    const idle = await Phone.tcp(rig.addresses, '1002');
    phones.push(inCall, idle);
    let idleClosedAt = 0;
    idle.client.on('close', () => { idleClosedAt = Date.now(); });
    inCall.call('invite', `sip:echo@127.0.0.1:${port}`);
    await inCall.next('accepted');
    expect(JSON.parse((await request(rig, 'GET', '/health')).body)).toEqual({ status: 'serving', sessions: 2, calls: 1 });

    const t0 = Date.now();
    const drained = rig.gateway.drain();
    await sleep(50);
    const during = await request(rig, 'GET', '/health');
    expect(during.status).toBe(503);
    expect(JSON.parse(during.body)).toMatchObject({ status: 'draining', calls: 1 });
    // no new connection of any kind: RTMP over TCP is closed, the tunnels answer 503 before opening anything
    expect(await tcpAccepts(rig.addresses.rtmp!.port)).toBe(false);
    expect((await request(rig, 'POST', '/open/1', { 'content-type': 'application/x-fcs' })).status).toBe(503);
    const ws = new WebSocket(rig.addresses.wsUrl!);
    const wsStatus = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(wsStatus).toBe(503);

    // the idle client is closed after the idle delay; the call goes on (sipp still echoes our frames)
    await until(() => idleClosedAt > 0, 3000, 'the idle session to close');
    expect(idleClosedAt - t0).toBeGreaterThanOrEqual(250);
    await inCall.startMedia();
    const before = inCall.heard.length;
    for (let i = 0; i < 20; i++) { inCall.local!.sendG711('pcmu', new Uint8Array(160).fill(0x55)); await sleep(20); }
    await until(() => inCall.heard.length - before >= 10, 3000, 'echoed audio during the drain');
    expect(rig.gateway.stats()).toMatchObject({ sessions: 1, calls: 1 });

    // the client hangs up: the drain ends by itself, without cutting anything
    inCall.call('bye');
    const outcome = await drained;
    expect(outcome).toMatchObject({ reason: 'drained', callsEnded: 0, sessionsMoved: 2 });
    expect(await sipp.done).toBe(0);
    expect(rig.gateway.stats().sessions).toBe(0);
    await expect(rig.gateway.drain()).rejects.toThrow(/running gateway/);
  });

  test('the drain timeout ends a call with a BYE', async () => {
    await rig.stop();
    rig = await startRig({ drainIdleDelayMs: 0, drainTimeoutMs: 400 });
    const port = await freeUdpPort();
    const sipp = await startSippEcho(port, await freeUdpPort());
    const phone = await Phone.tcp(rig.addresses, '1001');
    phones.push(phone);
    phone.call('invite', `sip:echo@127.0.0.1:${port}`);
    await phone.next('accepted');
    const outcome = await rig.gateway.drain();
    expect(outcome).toMatchObject({ reason: 'timeout', callsEnded: 1 });
    expect(outcome.ms).toBeGreaterThanOrEqual(400);
    // sipp's scenario ends only on a BYE it received and answered
    expect(await sipp.done).toBe(0);
  });
});
