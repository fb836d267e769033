#!/usr/bin/env node
// The RTMP gateway for `npm start`, the built one (dist/rtmp-gateway.cjs: nothing to compile at start-up).
// Takes kazoo-rtmp-gateway's flags, prints one JSON line with its URLs (the ports actually bound) once it
// listens, stops (un-REGISTERing every session) on SIGINT/SIGTERM. A taken port is one line on stderr
// and exit code 1.
import { createRequire } from 'node:module';

const { parseCliArgs, HELP, createRtmpGateway } = createRequire(import.meta.url)('../dist/rtmp-gateway.cjs');

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
