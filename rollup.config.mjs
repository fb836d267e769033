// Builds: the global script (dist/kazoo.js, dist/kazoo.min.js + map) that old pages include with a
// <script> tag, and the ES module / CommonJS entries for bundlers and Node (dependencies external).
// Types come from `tsc -p tsconfig.build.json` (npm run build). Feature folders add their own
// outputs through a rollup.parts.mjs of theirs.
import fs from 'node:fs';
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { debugLite, MINIFY_OPTIONS, packageJsonFields } from './rollup.plugins.mjs';

const ts = () =>
  typescript({
    tsconfig: './tsconfig.json',
    compilerOptions: { noEmit: false, declaration: false, module: 'ESNext', types: ['node'] },
    // a type error fails the build instead of a warning in its output
    noEmitOnError: true,
    // devstack's JsSIP typings: the gateway (in transports/) still imports the dev server's SIP code
    include: ['src/**/*.ts', 'transports/**/*.ts', 'devstack/**/*.d.ts'],
    exclude: ['**/*.test.ts'],
  });

const browserPlugins = () => [
  packageJsonFields,
  debugLite,
  nodeResolve({ browser: true, preferBuiltins: false }),
  commonjs({ requireReturnsDefault: 'auto' }),
  ts(),
];
const minify = () => terser(MINIFY_OPTIONS);
const external = (id) => /^(jssip|eventemitter3|ws|werift)(\/|$)/.test(id) || id.startsWith('node:') || /^(net|http|https|tls|dgram|crypto|events|stream)$/.test(id);

const parts = [];
for (const file of ['./plugins/wazo/rollup.parts.mjs', './transports/rtmp/gateway/rollup.parts.mjs']) {
  if (fs.existsSync(new URL(file, import.meta.url))) parts.push(...(await import(file)).default);
}

export default [
  // dist/kazoo.js (WebRTC; fetches RTMP's code on demand), dist/kazoo-rtmp.js (both in one file) and
  // dist/kazoo-rtmp-transport.js (the code kazoo.js fetches)
  ...[['src/global.ts', 'kazoo'], ['src/global-rtmp.ts', 'kazoo-rtmp'], ['transports/rtmp/on-demand.ts', 'kazoo-rtmp-transport']].map(([input, name]) => ({
    input,
    plugins: browserPlugins(),
    // the on-demand RTMP code takes eventemitter3 from kazoo.js, which lends it on the global it then
    // replaces (src/global.ts, LENT_TO_RTMP)
    ...(name === 'kazoo-rtmp-transport' ? { external: ['eventemitter3'] } : {}),
    output: [
      { file: `dist/${name}.js`, format: 'iife', name: 'kazooBundle', sourcemap: false, globals: { eventemitter3: 'kazooRtmpTransport' } },
      { file: `dist/${name}.min.js`, format: 'iife', name: 'kazooBundle', sourcemap: true, globals: { eventemitter3: 'kazooRtmpTransport' }, plugins: [minify()] },
    ],
  })),
  {
    input: { index: 'src/index.ts', node: 'src/node/index.ts' },
    external,
    plugins: [ts()],
    output: [
      { dir: 'dist', format: 'es', entryFileNames: '[name].mjs', chunkFileNames: 'chunks/[name]-[hash].mjs' },
      { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs', exports: 'named' },
    ],
  },
  ...parts,
];
