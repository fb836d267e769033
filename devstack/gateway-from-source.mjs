#!/usr/bin/env node
// The RTMP gateway for `npm start`, run from its TypeScript source with the dev SIP server's loader hooks
// (no build step, like devstack/sip-server/bin/kazoo-dev-sip.mjs). Takes kazoo-rtmp-gateway's flags,
// prints one JSON line with its URLs once it listens, stops (un-REGISTERing every session) on
// SIGINT/SIGTERM. A taken port is one line on stderr and exit code 1.
import { register } from 'node:module';

register('./sip-server/bin/ts-hooks.mjs', import.meta.url);
const { parseCliArgs, HELP } = await import('../gateway/cli-args.ts');
const { createRtmpGateway } = await import('../gateway/gateway.ts');

const parsed = parseCliArgs(process.argv.slice(2));
if (parsed.kind !== 'run') {
  process.stderr.write(parsed.kind === 'help' ? HELP : `${parsed.message}\n`);
  process.exit(parsed.kind === 'help' ? 0 : 2);
}
const gateway = createRtmpGateway(parsed.options);
try {
  console.log(JSON.stringify(await gateway.start()));
} catch (error) {
  const e = /** @type {NodeJS.ErrnoException} */ (error);
  process.stderr.write(e.code === 'EADDRINUSE' ? `port ${e.port ?? ''} on ${e.address ?? ''} is taken\n` : `${e.message}\n`);
  process.exit(1);
}
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  // bounded: un-REGISTERs get 2 s, then the listeners close anyway (as the bin does)
  await Promise.race([gateway.stop(), new Promise((r) => setTimeout(r, 2000).unref())]);
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
