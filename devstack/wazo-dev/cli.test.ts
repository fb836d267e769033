// kazoo-wazo-dev as a newcomer runs it: a child process from the TypeScript source, its printed URL
// answering over HTTPS with the certificate it wrote (--cert-out), a clean stop on SIGTERM that frees
// the port, one clear line and exit code for a taken port or a wrong flag; and the flag parser.

import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNode, waitForLine, type Run } from '../../test/support/sip/child';
import { parseWazoCliArgs } from './cli-args';

const BIN = join(__dirname, 'bin', 'kazoo-wazo-dev.mjs');
const children: ChildProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'kazoo-wazo-dev-cli-'));
const run = (args: string[]): Run => runNode(BIN, args, children);
// Starting from the TypeScript source takes seconds on a loaded machine.
const line = (lines: string[], re: RegExp): Promise<string> => waitForLine(lines, re, 60_000);

function getStatus(url: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    https.get(url, { ca, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

test('starts, answers over HTTPS with the certificate it wrote, stops on SIGTERM and frees its port', async () => {
  const certFile = join(dir, 'cert.pem');
  const r = run(['--port', '0', '--json', '--cert-out', certFile]);
  const info = JSON.parse(await line(r.out, /^\{/)) as { url: string; sipUrl: string };
  expect(info.sipUrl).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/api\/asterisk\/ws$/);
  expect(await getStatus(`${info.url}/api/auth/0.1/status`, readFileSync(certFile, 'utf8'))).toBe(200);
  expect(r.out.join('\n')).not.toMatch(/secret10\d\d/);
  r.child.kill('SIGTERM');
  expect(await r.exit).toBe(0);
  expect(r.out[r.out.length - 1]).toBe('kazoo-wazo-dev: stopped');
  expect(await portFree(Number(new URL(info.url).port))).toBe(true);
}, 90_000);

test('a taken port: one line on stderr, exit 1; a wrong flag: exit 2; --help: exit 0', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const taken = run(['--port', String(port)]);
    expect(await taken.exit).toBe(1);
    expect(taken.err.join('\n')).toMatch(/^kazoo-wazo-dev: cannot start: HTTPS port \d+ on 127\.0\.0\.1 unavailable \(EADDRINUSE\).*--port 0/);
  } finally {
    blocker.close();
  }
  const bad = run(['--bogus']);
  expect(await bad.exit).toBe(2);
  expect(bad.err).toEqual(['kazoo-wazo-dev: unknown option --bogus (see --help)']);
  const help = run(['--help']);
  expect(await help.exit).toBe(0);
  expect(help.out.join('\n')).toContain('--cert <file> --key <file>');
}, 90_000);

test('flags', () => {
  expect(parseWazoCliArgs([])).toEqual({ kind: 'run', options: expect.objectContaining({ host: '127.0.0.1', port: 8443, ringSeconds: 30 }) });
  expect(parseWazoCliArgs(['--port=0', '--ring-seconds', '5', '--add-users', '1011-1012'])).toEqual({
    kind: 'run', options: expect.objectContaining({ port: 0, ringSeconds: 5, addUsers: ['1011-1012'] }),
  });
  expect(parseWazoCliArgs(['--cert', 'a.pem'])).toEqual({ kind: 'error', message: '--cert and --key go together' });
  expect(parseWazoCliArgs(['--port', '70000'])).toMatchObject({ kind: 'error' });
  expect(parseWazoCliArgs(['--log-level', 'loud'])).toMatchObject({ kind: 'error' });
  expect(parseWazoCliArgs(['-h'])).toEqual({ kind: 'help' });
});
