// Builds the browser global bundle (dist/kazoo-wazo.js, in memory) and runs it in a bare VM context that
// only has what a browser offers (WebSocket, fetch, …; no require, no process). Prints a JSON report.
import vm from 'node:vm';
import { rollup } from 'rollup';
import terser from '@rollup/plugin-terser';
import parts from '../../../plugins/wazo/rollup.parts.mjs';
import { MINIFY_OPTIONS } from '../../../rollup.plugins.mjs';

const browser = parts[1];
const bundle = await rollup({ ...browser, onwarn: () => undefined });
const { output } = await bundle.generate({ format: 'iife', name: 'Wazo', exports: 'default' });
// dist/kazoo-wazo.min.js too: its terser options may drop the IIFE's top-level `var Wazo`
const minified = (await bundle.generate({ format: 'iife', name: 'Wazo', exports: 'default', plugins: [terser(MINIFY_OPTIONS)] })).output[0].code;
await bundle.close();
const code = output[0].code;

const sockets = [];
const sent = [];
class FakeWebSocket {
  constructor(url, ...rest) {
    sockets.push({ url, extraArgs: rest.length });
    this.readyState = 0;
    setTimeout(() => {
      this.readyState = 1;
      this.onopen?.({});
      this.onmessage?.({ data: JSON.stringify({ op: 'init', code: 0, data: { version: 2 } }) });
    }, 0);
  }
  send(data) {
    const message = JSON.parse(data);
    sent.push(message);
    if (message.op === 'start') setTimeout(() => this.onmessage?.({ data: JSON.stringify({ op: 'start', code: 0, data: null }) }), 0);
  }
  close() {
    this.readyState = 3;
  }
}
const requests = [];
const fetch = async (url, init) => {
  requests.push({ url, method: init.method, token: new Headers(init.headers).get('x-auth-token') });
  return new Response(JSON.stringify({ uuid: 'stack', wazo_version: '24.05' }), { headers: { 'content-type': 'application/json' } });
};
const context = vm.createContext({ WebSocket: FakeWebSocket, fetch, console, setTimeout, clearTimeout, TextEncoder, TextDecoder, atob, btoa, Headers, Response, AbortController, URL, URLSearchParams });
vm.runInContext(code, context, { filename: 'kazoo-wazo.js' });
const Wazo = context.Wazo;
const minContext = vm.createContext({ WebSocket: FakeWebSocket, fetch, console, setTimeout, clearTimeout, TextEncoder, TextDecoder, atob, btoa, Headers, Response, AbortController, URL, URLSearchParams });
vm.runInContext(minified, minContext, { filename: 'kazoo-wazo.min.js' });
const minifiedPhone = typeof minContext.Wazo?.Phone?.connect;

const ws = new Wazo.WebSocketClient({ host: 'stack.example.com', token: 'tok', events: ['call_created'] });
const initialized = new Promise((resolve) => ws.on('initialized', resolve));
ws.connect();
await Promise.race([initialized, new Promise((_, reject) => setTimeout(() => reject(new Error('no handshake')), 2000))]);
ws.close(true);

Wazo.Auth.setHost('stack.example.com');
Wazo.Auth.setApiToken('tok');
const infos = await Wazo.confd.getInfos();

console.log(
  JSON.stringify({
    bytes: code.length,
    minifiedPhone,
    referencesWs: /\bimport\(\s*["']ws["']|require\(\s*["']ws["']|from\s*["']ws["']|\bspecifier\b/.test(code),
    hasProcessOrRequire: /\brequire\(|\bprocess\./.test(code),
    named: ['WazoApiClient', 'ApiRequester', 'WebSocketClient', 'WazoWebSocketClient', 'IssueReporter', 'CALL_CREATED', 'SOCKET_EVENTS'].filter((n) => Wazo[n] !== undefined),
    simple: ['Auth', 'Websocket', 'IssueReporter', 'domain'].filter((n) => Wazo[n] !== undefined),
    session: typeof Wazo.domain.Session,
    sockets,
    sent,
    requests,
    infos,
  }),
);
