// `node --import ./devstack/sip-server/bin/register.mjs app.mjs` lets any Node script import the dev
// SIP server's TypeScript (e.g. `import { createDevSipServer } from './devstack/sip-server/index.ts'`).
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
