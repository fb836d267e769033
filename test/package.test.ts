/**
 * The built package as its users load it: Node 20 `import` and `require` through package.json
 * `exports` (self-reference by name), types where `exports` says. Needs `npm run build` (npm test runs it).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const node = (args: string[]) => execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'dist/index.mjs'))) throw new Error('dist/ is missing: run npm run build');
});

test('ES module import', () => {
  const out = node(['--input-type=module', '-e', "import k, { kazoo, createKazoo, CATALOGUE } from 'kazoo-js'; console.log(typeof kazoo.register, k === kazoo, typeof createKazoo, CATALOGUE.unauthorized.message)"]);
  expect(out.trim()).toBe('function true function Invalid credentials.');
});

test('the Wazo plugins on their own subpath, their phone on the engine with JsSIP as a dependency (not bundled)', () => {
  const out = node(['--input-type=module', '-e', "import Wazo, { WazoApiClient, WebSocketClient, WebRTCPhone } from 'kazoo-js/wazo'; console.log(typeof Wazo.Auth.logIn, typeof WazoApiClient, typeof WebSocketClient, typeof WebRTCPhone)"]);
  expect(out.trim()).toBe('function function function function');
  const bundle = fs.readFileSync(path.join(ROOT, 'dist/wazo.mjs'), 'utf8');
  // the ES module leaves JsSIP to the package manager, as kazoo-js's own entry does
  expect(bundle).toMatch(/from 'jssip'/);
  expect(bundle).not.toMatch(/var JsSIP_C|Grammar = \(function/);
});

test('the engine on its own subpath', () => {
  const out = node(['--input-type=module', '-e', "import { createEngine, Engine, EngineError } from 'kazoo-js/engine'; console.log(typeof createEngine, typeof Engine, typeof EngineError)"]);
  expect(out.trim()).toBe('function function function');
});

test('CommonJS require, and the node entry', () => {
  const out = node(['-e', "const m = require('kazoo-js'); const n = require('kazoo-js/node'); console.log(typeof m.kazoo.connect, typeof n.installNodeWebRTC)"]);
  expect(out.trim()).toBe('function function');
});

test('types and the global build exist where package.json says', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  for (const entry of Object.values(pkg.exports as Record<string, { types?: string }>)) {
    if (typeof entry === 'object' && entry.types) expect(fs.existsSync(path.join(ROOT, entry.types))).toBe(true);
  }
  const global = fs.readFileSync(path.join(ROOT, 'dist/kazoo.js'), 'utf8');
  expect(global).toContain('globalThis.kazoo');
  expect(fs.existsSync(path.join(ROOT, 'dist/kazoo.min.js.map'))).toBe(true);
});
