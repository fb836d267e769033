// Builds: the global script (dist/kazoo.js, dist/kazoo.min.js + map) that old pages include with a
// <script> tag, and the ES module / CommonJS entries for bundlers and Node (dependencies external).
// Types come from `tsc -p tsconfig.build.json` (npm run build). Feature folders add their own
// outputs through a rollup.parts.mjs of theirs.
import fs from 'node:fs';
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { debugLite, eventsLite, MINIFY_OPTIONS, packageJsonFields, subscriptionsLeftOut } from './rollup.plugins.mjs';

const ts = () =>
  typescript({
    tsconfig: './tsconfig.json',
    compilerOptions: { noEmit: false, declaration: false, module: 'ESNext', types: ['node'] },
    // a type error fails the build instead of a warning in its output
    noEmitOnError: true,
    include: ['src/**/*.ts', 'entries/**/*.ts', 'transports/**/*.ts', 'protocol/**/*.ts'],
    exclude: ['**/*.test.ts'],
  });

const browserPlugins = () => [
  packageJsonFields,
  debugLite,
  eventsLite,
  subscriptionsLeftOut,
  nodeResolve({ browser: true, preferBuiltins: false }),
  commonjs({ requireReturnsDefault: 'auto' }),
  ts(),
];
const minify = () => terser(MINIFY_OPTIONS);
const external = (id) => /^(jssip|eventemitter3|ws|werift)(\/|$)/.test(id) || id.startsWith('node:') || /^(net|http|https|tls|dgram|crypto|events|stream)$/.test(id);

const parts = [];
for (const file of ['./plugins/wazo/rollup.parts.mjs', './gateway/rollup.parts.mjs', './devstack/sip-server/rollup.parts.mjs', './devstack/wazo-dev/rollup.parts.mjs']) {
  if (fs.existsSync(new URL(file, import.meta.url))) parts.push(...(await import(file)).default);
}

export default [
  // dist/kazoo.js (WebRTC; fetches RTMP's code on demand), dist/kazoo-rtmp.js (both in one file) and
  // dist/kazoo-rtmp-transport.js (the code kazoo.js fetches)
  ...[['entries/global.ts', 'kazoo'], ['entries/global-rtmp.ts', 'kazoo-rtmp'], ['entries/global-rtmp-transport.ts', 'kazoo-rtmp-transport']].map(([input, name]) => ({
    input,
    plugins: browserPlugins(),
    // the on-demand RTMP code takes eventemitter3 from kazoo.js, which lends it on the global it then
    // replaces (entries/global.ts, LENT_TO_RTMP)
    ...(name === 'kazoo-rtmp-transport' ? { external: ['eventemitter3'] } : {}),
    output: [
      { file: `dist/${name}.js`, format: 'iife', name: 'kazooBundle', sourcemap: false, globals: { eventemitter3: 'kazooRtmpTransport' } },
      { file: `dist/${name}.min.js`, format: 'iife', name: 'kazooBundle', sourcemap: true, globals: { eventemitter3: 'kazooRtmpTransport' }, plugins: [minify()] },
    ],
  })),
  {
    input: { index: 'entries/index.ts', node: 'entries/node/index.ts', engine: 'entries/engine.ts' },
    external,
    plugins: [ts()],
    output: [
      { dir: 'dist', format: 'es', entryFileNames: '[name].mjs', chunkFileNames: 'chunks/[name]-[hash].mjs' },
      { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs', exports: 'named' },
    ],
  },
  ...parts,
];
