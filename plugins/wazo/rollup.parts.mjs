// Rollup builds of kazoo-js/wazo, imported by the root rollup.config.mjs:
//   dist/wazo.mjs, dist/wazo.cjs      the package subpath `kazoo-js/wazo` (Node and bundlers)
//   dist/kazoo-wazo(.min).js          browser global `Wazo` (IIFE), without any trace of `ws`
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { debugLite, eventsLite, MINIFY_OPTIONS, packageJsonFields } from '../../rollup.plugins.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const dist = (file) => path.join(root, 'dist', file);

const ts = () =>
  typescript({
    tsconfig: path.join(root, 'tsconfig.json'),
    compilerOptions: { noEmit: false, declaration: false, module: 'ESNext', sourceMap: true },
    noEmitOnError: true,
    // the phone stands on the engine's public entry (entries/engine.ts; the kazoo plugin also the shared exports, entries/exports.ts) and, through it, src/ and the WebRTC transport
    include: [path.join(here, '**/*.ts'), path.join(root, 'entries/engine.ts'), path.join(root, 'entries/exports.ts'), path.join(root, 'src/**/*.ts'), path.join(root, 'transports/webrtc/**/*.ts'), path.join(root, 'protocol/**/*.ts')],
    exclude: ['**/*.test.ts'],
  });

// The browser build takes socket-impl.browser.ts (platform WebSocket only) in place of socket-impl.ts.
const browserSocket = {
  name: 'wazo-browser-socket',
  resolveId(source, importer) {
    if (source === './socket-impl' && importer && path.dirname(importer) === path.join(here, 'websocket')) {
      return path.join(here, 'websocket', 'socket-impl.browser.ts');
    }
    return null;
  },
};

const iife = (file, extra = {}) => ({
  file: dist(file),
  format: 'iife',
  name: 'Wazo',
  exports: 'default',
  sourcemap: true,
  ...extra,
});

export default [
  {
    input: path.join(here, 'index.ts'),
    external: (id) => /^(ws|jssip|eventemitter3)(\/|$)/.test(id),
    plugins: [ts()],
    output: [
      { file: dist('wazo.mjs'), format: 'es', sourcemap: true },
      { file: dist('wazo.cjs'), format: 'cjs', exports: 'named', sourcemap: true },
    ],
  },
  {
    input: path.join(here, 'global.ts'),
    external: ['ws'],
    // JsSIP and eventemitter3 are bundled: the global build stands alone
    plugins: [browserSocket, packageJsonFields, debugLite, eventsLite, nodeResolve({ browser: true, preferBuiltins: false }), commonjs({ requireReturnsDefault: 'auto' }), ts()],
    output: [iife('kazoo-wazo.js'), iife('kazoo-wazo.min.js', { plugins: [terser(MINIFY_OPTIONS)] })],
  },
];
