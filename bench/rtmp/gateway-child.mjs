// Child process for gateway-bench.mjs: runs createRtmpGateway() from the compiled tree given as argv[2]
// on 127.0.0.1 (free ports, directIpCalls, unregistered outbound-only logins) and reports over IPC.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const out = process.argv[2];
const require = createRequire(join(out, 'package.json'));
const { createRtmpGateway } = require(join(out, 'gateway/gateway.js'));

const gateway = createRtmpGateway({
  rtmp: { host: '127.0.0.1', port: 0 },
  http: { host: '127.0.0.1', port: 0 },
  sipServer: { host: '127.0.0.1', port: 9 }, // never used: every call is a direct-IP call, no REGISTER
  directIpCalls: true,
  allowUnregistered: true,
  maxSessions: 5000,
  logLevel: 'error',
  logSink: () => undefined,
});
const addresses = await gateway.start();
let cpu = process.cpuUsage();
let wall = process.hrtime.bigint();
process.on('message', async (m) => {
  if (m.cmd === 'cpu') {
    // CPU share of one core since the last call
    const used = process.cpuUsage(cpu);
    const now = process.hrtime.bigint();
    const share = (used.user + used.system) / (Number(now - wall) / 1000);
    cpu = process.cpuUsage();
    wall = now;
    process.send({ cpu: share, stats: gateway.stats(), rss: process.memoryUsage().rss });
  } else if (m.cmd === 'stop') {
    await gateway.stop();
    process.send({ stopped: true });
    process.disconnect();
  }
});
process.on('disconnect', () => setTimeout(() => process.exit(0), 50).unref());
process.send({ addresses });
