/**
 * `kazoo-rtmp-gateway`: runs the gateway until a signal. SIGINT stops at once (every session
 * un-REGISTERed, calls get their BYE); SIGTERM drains first (`drain.ts`: no new connections, calls kept
 * until they end or `--drain-timeout`), and a SIGINT or second SIGTERM meanwhile stops at once. With
 * `--upstream`, the tunnel-only front for an existing siprtmp gateway instead (both signals stop it).
 * With `--workers N` (N > 1) this process is the primary of N such gateways (`workers.ts`).
 */
import { createRtmpGateway } from './gateway';
import { createTunnelFront } from './tunnel-front';
import { HELP, parseCliArgs } from './cli-args';
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { exclusiveUdpBinds, resolveWorkerCount, runPrimary, workerIndex, type ClusterLike } from './workers';
import { clusterRtmptRoute } from './rtmpt-workers';

// for a launcher that runs the built gateway in its own way (devstack/gateway-child.mjs, npm start's)
export { createRtmpGateway, HELP, parseCliArgs };

export async function main(argv: readonly string[]): Promise<number> {
  let parsed = parseCliArgs(argv);
  if (parsed.kind === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (parsed.kind === 'error') {
    process.stderr.write(`kazoo-rtmp-gateway: ${parsed.message}\n\n${HELP}`);
    return 2;
  }
  if (parsed.kind === 'run' && parsed.workers !== undefined && cluster.isPrimary) {
    const workers = resolveWorkerCount(parsed.workers, availableParallelism());
    if (workers > 1) {
      const quiet = ['silent', 'error'].includes(parsed.options.logLevel ?? 'info');
      const log = (line: string): void => void (quiet || process.stderr.write(`kazoo-rtmp-gateway: ${line}\n`));
      log(`${workers} workers`);
      return runPrimary({ workers, cluster: cluster as unknown as ClusterLike, signals: process, log });
    }
  }
  const index = cluster.isWorker ? workerIndex() : null;
  if (index !== null && parsed.kind === 'run') {
    exclusiveUdpBinds();
    // the primary forwards every signal and a terminal sends the group one too: the extra ones are not fatal
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => undefined);
    // every worker serves the HTTP port too; RTMPT requests reach the worker holding their session
    parsed = { ...parsed, options: { ...parsed.options, rtmptWorkers: clusterRtmptRoute(index, process.ppid) } };
  }
  const gateway = parsed.kind === 'front' ? createTunnelFront(parsed.options) : createRtmpGateway(parsed.options);
  try {
    await gateway.start();
  } catch (error) {
    process.stderr.write(`kazoo-rtmp-gateway: cannot listen: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const signal = await nextSignal();
  if (signal === 'SIGTERM' && 'drain' in gateway) {
    const abort = new AbortController();
    const now = (): void => abort.abort();
    process.once('SIGINT', now);
    process.once('SIGTERM', now);
    try {
      // drain() ends in stop(); after an abort its un-REGISTERs get 2 s, as below
      await Promise.race([
        gateway.drain(abort.signal).catch((error: unknown) => {
          process.stderr.write(`kazoo-rtmp-gateway: drain failed, stopping at once: ${error instanceof Error ? error.message : String(error)}\n`);
          return gateway.stop();
        }),
        new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => setTimeout(resolve, 2000).unref())),
      ]);
    } finally {
      process.off('SIGINT', now);
      process.off('SIGTERM', now);
    }
    return 0;
  }
  // Bounded shutdown: un-REGISTERs get 2 s, then we leave anyway.
  await Promise.race([gateway.stop(), new Promise((r) => setTimeout(r, 2000).unref())]);
  return 0;
}

/** the next SIGINT or SIGTERM (both listeners removed once one came) */
function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (name: NodeJS.Signals) => (): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(name);
    };
    const onInt = on('SIGINT');
    const onTerm = on('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
