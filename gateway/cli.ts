/**
 * `kazoo-rtmp-gateway`: runs the gateway until SIGINT/SIGTERM, then un-REGISTERs every session; with
 * `--upstream`, the tunnel-only front for an existing siprtmp gateway instead.
 */
import { createRtmpGateway } from './gateway';
import { createTunnelFront } from './tunnel-front';
import { HELP, parseCliArgs } from './cli-args';

// for a launcher that runs the built gateway in its own way (devstack/gateway-child.mjs, npm start's)
export { createRtmpGateway, HELP, parseCliArgs };

export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCliArgs(argv);
  if (parsed.kind === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (parsed.kind === 'error') {
    process.stderr.write(`kazoo-rtmp-gateway: ${parsed.message}\n\n${HELP}`);
    return 2;
  }
  const gateway = parsed.kind === 'front' ? createTunnelFront(parsed.options) : createRtmpGateway(parsed.options);
  try {
    await gateway.start();
  } catch (error) {
    process.stderr.write(`kazoo-rtmp-gateway: cannot listen: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  // Bounded shutdown: un-REGISTERs get 2 s, then we leave anyway.
  await Promise.race([gateway.stop(), new Promise((r) => setTimeout(r, 2000).unref())]);
  return 0;
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
