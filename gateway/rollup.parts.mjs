// Rollup options for the gateway bin: dist/rtmp-gateway.cjs from cli.ts, Node builtins, ws and werift
// external. The root config picks this array up through this file (rollup.config.mjs's parts).
import { builtinModules } from 'node:module';
import typescript from '@rollup/plugin-typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';
import { packageJsonFields } from '../rollup.plugins.mjs';

// jssip too: protocol/sip's parser uses its grammar, and JsSIP reads its own package.json at load.
const external = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'ws', 'werift', 'jssip']);

export default [
  {
    input: 'gateway/cli.ts',
    external: (id) => external.has(id) || id.startsWith('ws/') || id.startsWith('werift/') || id.startsWith('jssip/'),
    plugins: [packageJsonFields, nodeResolve({ preferBuiltins: true }), commonjs(), typescript({ tsconfig: 'tsconfig.json', noEmitOnError: true, compilerOptions: { noEmit: false, declaration: false, module: 'ESNext' }, include: ['gateway/**/*.ts', 'protocol/**/*.ts'], exclude: ['**/*.test.ts'] })],
    output: { file: 'dist/rtmp-gateway.cjs', format: 'cjs', banner: '#!/usr/bin/env node', exports: 'named' },
  },
];
