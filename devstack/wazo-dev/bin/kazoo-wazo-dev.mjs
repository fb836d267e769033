#!/usr/bin/env node
// Bin `kazoo-wazo-dev`: the Wazo development engine's CLI, run from its TypeScript source with the dev
// SIP server's module hooks (../../sip-server/bin/ts-hooks.mjs). `node devstack/wazo-dev/bin/kazoo-wazo-dev.mjs --help`.
import { register } from 'node:module';

register('../../sip-server/bin/ts-hooks.mjs', import.meta.url);
const { main } = await import('../cli.ts');
process.exitCode = await main(process.argv.slice(2));
