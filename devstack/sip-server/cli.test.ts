// The kazoo-dev-sip command as a newcomer runs it: a child process started from the TypeScript source
// through bin/kazoo-dev-sip.mjs, its printed URLs answered, a clean stop on SIGTERM that frees both
// ports, and one clear line (and exit code) when a port is taken or a flag is wrong.

import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer, get } from 'node:http';
import { join } from 'node:path';
import { runNode, waitForLine, type Run } from '../../test/support/sip/child';
import { RawSip } from '../../test/support/sip/raw-sip';

const BIN = join(__dirname, 'bin', 'kazoo-dev-sip.mjs');
const children: ChildProcess[] = [];
const run = (args: string[]): Run => runNode(BIN, args, children);

const httpText = (url: string): Promise<string> =>
  new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
});

test('starts, prints its URLs, answers on them, stops on SIGTERM and frees both ports', async () => {
  const r = run(['--ws-port', '0', '--udp-port', '0', '--json', '--log-level', 'warn']);
  const info = JSON.parse(await waitForLine(r.out, /^\{"wsUrl"/)) as { wsUrl: string; udp: { port: number }; httpUrl: string };
  expect(info.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
  expect(r.out.some((l) => l.startsWith('kazoo-dev-sip: SIP over WebSocket  ws://127.0.0.1:'))).toBe(true);
  expect(r.out.some((l) => /users: 1001\.\.1010; single device: 1009, 1010/.test(l))).toBe(true);
  expect(r.out.join('\n')).not.toMatch(/secret10\d\d/);

  expect(await httpText(`${info.httpUrl}/health`)).toBe('ok\n');
  const ws = await RawSip.ws(info.wsUrl);
  expect((await ws.register('1001', 'secret1001')).status).toBe(200);
  const udp = await RawSip.udp(info.udp.port);
  udp.send(udp.build({ method: 'OPTIONS', uri: 'sip:127.0.0.1', from: '<sip:x@127.0.0.1>;tag=1', to: '<sip:127.0.0.1>', callId: 'cli-opt', cseq: 1 }));
  expect((await udp.response('cli-opt', 'OPTIONS')).status).toBe(200);
  udp.close();

  process.kill(r.child.pid!, 'SIGTERM');
  expect(await r.exit).toBe(0);
  expect(r.out[r.out.length - 1]).toBe('kazoo-dev-sip: stopped');
  for (let i = 0; i < 50 && !ws.closed; i++) await new Promise((res) => setTimeout(res, 10));
  expect(ws.closeCode).toBe(1006); // the server went away without a close frame, as Kamailio does

  // both ports can be bound again
  const wsPort = Number(new URL(info.wsUrl).port);
  await new Promise<void>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(wsPort, '127.0.0.1', () => s.close(() => resolve()));
  });
  await new Promise<void>((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(info.udp.port, '127.0.0.1', () => s.close(() => resolve()));
  });
}, 20000);

test('a taken port: one clear line on stderr, exit code 1', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
  const port = (blocker.address() as { port: number }).port;
  try {
    const r = run(['--ws-port', String(port), '--udp-port', '0']);
    expect(await r.exit).toBe(1);
    expect(r.err).toEqual([
      `kazoo-dev-sip: cannot start: WebSocket (TCP) port ${port} on 127.0.0.1 unavailable (EADDRINUSE): another process uses it; choose another port or stop that process (try --ws-port <other port> or --ws-port 0)`,
    ]);
  } finally {
    blocker.close();
  }
}, 20000);

test('--help exits 0, an unknown flag exits 2 with a hint', async () => {
  const help = run(['--help']);
  const bad = run(['--nope']);
  expect(await help.exit).toBe(0);
  expect(help.out.join('\n')).toContain('Usage: kazoo-dev-sip [options]');
  expect(await bad.exit).toBe(2);
  expect(bad.err).toEqual(['kazoo-dev-sip: unknown option --nope (see --help)']);
}, 20000);
