// Rollup options for the Wazo dev engine's bin: dist/kazoo-wazo-dev.cjs from bin.ts (built JavaScript, as
// the dev SIP server's). Node builtins, ws and jssip external (dependencies of the package).
import { builtinModules } from 'node:module';
import typescript from '@rollup/plugin-typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';

const external = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'ws', 'jssip']);

export default [
  {
    input: 'devstack/wazo-dev/bin.ts',
    external: (id) => external.has(id) || id.startsWith('ws/') || id.startsWith('jssip/'),
    plugins: [nodeResolve({ preferBuiltins: true }), commonjs(), typescript({ tsconfig: 'tsconfig.json', noEmitOnError: true, compilerOptions: { noEmit: false, declaration: false, module: 'ESNext' }, include: ['devstack/**/*.ts', 'protocol/**/*.ts'], exclude: ['**/*.test.ts'] })],
    output: { file: 'dist/kazoo-wazo-dev.cjs', format: 'cjs', banner: '#!/usr/bin/env node' },
  },
];
