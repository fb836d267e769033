// Rollup options for the dev SIP server's bin: dist/kazoo-dev-sip.cjs from bin.ts, built JavaScript so
// `npm start` and `npx kazoo-dev-sip` compile nothing at start-up. Node builtins, ws and jssip external
// (dependencies of the package). The root config picks this array up (rollup.config.mjs's parts).
import { builtinModules } from 'node:module';
import typescript from '@rollup/plugin-typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';

const external = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'ws', 'jssip']);

export default [
  {
    input: 'devstack/sip-server/bin.ts',
    external: (id) => external.has(id) || id.startsWith('ws/') || id.startsWith('jssip/'),
    plugins: [nodeResolve({ preferBuiltins: true }), commonjs(), typescript({ tsconfig: 'tsconfig.json', noEmitOnError: true, compilerOptions: { noEmit: false, declaration: false, module: 'ESNext' }, include: ['devstack/sip-server/**/*.ts', 'protocol/**/*.ts'], exclude: ['**/*.test.ts'] })],
    output: { file: 'dist/kazoo-dev-sip.cjs', format: 'cjs', banner: '#!/usr/bin/env node' },
  },
];
