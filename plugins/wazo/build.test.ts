// The browser global build, built from rollup.parts.mjs and run in a context with browser globals only.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

it('dist/kazoo-wazo.js and .min.js define window.Wazo, uses the platform WebSocket and fetch, and carries no `ws`', () => {
  const script = path.join(__dirname, '..', '..', 'test', 'support', 'wazo', 'browser-smoke.mjs');
  const run = spawnSync(process.execPath, [script], { cwd: path.resolve(__dirname, '..', '..'), encoding: 'utf8', timeout: 200_000 });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const report = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}');
  expect(report.minifiedPhone).toBe('function'); // dist/kazoo-wazo.min.js defines window.Wazo too
  expect(report.referencesWs).toBe(false);
  expect(report.hasProcessOrRequire).toBe(false);
  expect(report.named).toEqual(['WazoApiClient', 'ApiRequester', 'WebSocketClient', 'WazoWebSocketClient', 'IssueReporter', 'CALL_CREATED', 'SOCKET_EVENTS']);
  expect(report.simple).toEqual(['Auth', 'Websocket', 'IssueReporter', 'domain']);
  expect(report.session).toBe('function');
  expect(report.sockets).toEqual([{ url: 'wss://stack.example.com/api/websocketd/?token=tok&version=2', extraArgs: 0 }]);
  expect(report.sent).toEqual([{ op: 'subscribe', data: { event_name: 'call_created' } }, { op: 'start' }]);
  expect(report.requests).toEqual([{ url: 'https://stack.example.com/api/confd/1.1/infos', method: 'GET', token: 'tok' }]);
  expect(report.infos).toEqual({ uuid: 'stack', wazo_version: '24.05' });
}, 240_000);
