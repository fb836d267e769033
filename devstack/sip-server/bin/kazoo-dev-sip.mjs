#!/usr/bin/env node
// Bin `kazoo-dev-sip`: the development SIP server's CLI, run from its TypeScript source (see
// ts-hooks.mjs). `node devstack/sip-server/bin/kazoo-dev-sip.mjs --help`.
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';

register('./ts-hooks.mjs', import.meta.url);
const { main } = await import('../cli.ts');
process.exitCode = await main(process.argv.slice(2), {
  defaultUsersFile: fileURLToPath(new URL('../users.json', import.meta.url)),
});
