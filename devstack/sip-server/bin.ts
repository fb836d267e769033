/**
 * The `kazoo-dev-sip` bin as built (dist/kazoo-dev-sip.cjs, devstack/sip-server/rollup.parts.mjs): plain
 * JavaScript, so it starts without compiling anything. Its default users are the shipped users.json
 * (beside the package's devstack/sip-server/), else the same built-in demo users.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { main } from './cli';

const shippedUsers = join(__dirname, '..', 'devstack', 'sip-server', 'users.json');
void main(process.argv.slice(2), { defaultUsersFile: existsSync(shippedUsers) ? shippedUsers : undefined }).then((code) => {
  process.exitCode = code;
});
