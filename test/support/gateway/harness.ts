/**
 * Test scaffolding for the gateway (tests only): the dev SIP server in-process, the gateway on free
 * ports, RTMP clients that record the gateway's callbacks, and sipp children stopped by PID.
 */
import { join } from 'node:path';
import { freeUdpPort, killSipps, sipp } from '../sip/sipp';
import { startTestServer } from '../devstack/server';
import type { DevSipServer, StartedInfo } from '../../../devstack/sip-server';
import type { AmfValue } from '../../../protocol/rtmp/amf-values';
import type { ByteDuplex } from '../../../protocol/rtmp/duplex';
import type { IncomingCommand } from '../../../protocol/rtmp/connection-core';
import { RtmpClient } from '../../../protocol/rtmp/rtmp-client';
import { NetStream, AudioMessage } from '../../../protocol/rtmp/net-stream';
import { connectTcp } from '../../../protocol/rtmp/node/tcp-duplex';
import { createRtmpGateway, RtmpGateway, RtmpGatewayAddresses } from '../../../gateway/gateway';
import type { RtmpGatewayOptions } from '../../../gateway/options';

export const SIPP_SCENARIOS = join(__dirname, '..', '..', '..', 'fixtures', 'lab', 'sipp');

export interface Rig {
  sip: DevSipServer;
  sipInfo: StartedInfo;
  gateway: RtmpGateway;
  addresses: RtmpGatewayAddresses;
  logs: string[];
  stop(): Promise<void>;
}

export async function startRig(options: RtmpGatewayOptions = {}): Promise<Rig> {
  const { server: sip, info: sipInfo } = await startTestServer({ logLevel: 'silent' });
  const logs: string[] = [];
  const gateway = createRtmpGateway({
    rtmp: { host: '127.0.0.1', port: 0 },
    http: { host: '127.0.0.1', port: 0 },
    sipServer: { host: '127.0.0.1', port: sipInfo.udp.port },
    directIpCalls: true,
    sipT1Ms: 100,
    // tests close their phones mid-call: no grace window unless a test asks for one (resume.test.ts)
    resumeGraceMs: 0,
    logLevel: 'debug',
    logSink: (line) => {
      if (logs.length < 5000) logs.push(line);
    },
    ...options,
  });
  const addresses = await gateway.start();
  return {
    sip,
    sipInfo,
    gateway,
    addresses,
    logs,
    async stop() {
      await gateway.stop();
      await sip.stop();
    },
  };
}

/** After each test: closes `phones` (emptying the list), kills sipp children, waits for the sessions to go. */
export async function settle(rig: Rig, phones: Phone[]): Promise<void> {
  for (const phone of phones.splice(0)) phone.close();
  killSipps();
  await until(() => rig.gateway.stats().sessions === 0, 5000, 'sessions to close');
}

/** An RTMP client that queues every gateway callback for `next(name)`. */
export class Phone {
  readonly commands: IncomingCommand[] = [];
  private waiters: { name: string; resolve: (c: IncomingCommand) => void }[] = [];
  local: NetStream | null = null;
  remote: NetStream | null = null;
  readonly heard: AudioMessage[] = [];

  constructor(readonly client: RtmpClient) {
    client.on('command', (command) => {
      const i = this.waiters.findIndex((w) => w.name === command.name);
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(command);
      else this.commands.push(command);
    });
  }

  static async open(duplex: ByteDuplex, url: string, user: string, password: string): Promise<Phone> {
    const phone = new Phone(new RtmpClient(duplex));
    await phone.client.connect(url, user, password, `User ${user}`, 'narrowband');
    return phone;
  }

  static async tcp(addresses: RtmpGatewayAddresses, user: string, password = `secret${user}`, realm = 'kazoo.test'): Promise<Phone> {
    const duplex = await connectTcp(addresses.rtmp!.host, addresses.rtmp!.port);
    return Phone.open(duplex, `${addresses.rtmpUrl}/${user}@${realm}`, user, password);
  }

  /** The next `name` callback (queued or future), failing after `ms`. */
  next(name: string, ms = 5000): Promise<IncomingCommand> {
    const i = this.commands.findIndex((c) => c.name === name);
    if (i >= 0) return Promise.resolve(this.commands.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const waiter = { name, resolve: (c: IncomingCommand) => (clearTimeout(timer), resolve(c)) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no ${name} within ${ms} ms; got ${this.commands.map((c) => c.name).join(',') || 'nothing'}`));
      }, ms);
      this.waiters.push(waiter);
    });
  }

  call(name: string, ...args: AmfValue[]): void {
    this.client.notify(name, ...args);
  }

  /** publish `local`, play `remote` (what kazoo.js does on `accepted`). */
  async startMedia(): Promise<void> {
    this.local = await this.client.createStream();
    await this.local.publish('local');
    this.remote = await this.client.createStream();
    this.remote.on('audio', (m) => this.heard.push(m));
    await this.remote.play('remote');
  }

  close(): void {
    this.client.close();
  }
}

// sipp processes and free ports: the development SIP server's test helpers (started and killed by PID there)
export { freeUdpPort, killSipps };

/** sipp UAS that answers PCMU and echoes RTP; resolves once it listens. Stopped by PID in `killSipps`. */
export async function startSippEcho(port: number, mediaPort: number, calls = 1): Promise<{ pid: number; done: Promise<number | null> }> {
  const run = sipp(join(SIPP_SCENARIOS, 'uas-echo.xml'),
    ['-p', String(port), '-mi', '127.0.0.1', '-mp', String(mediaPort), '-rtp_echo', '-aa', '-m', String(calls)], undefined, 30);
  await new Promise((r) => setTimeout(r, 300)); // sipp binds within a few ms; no readiness signal on stdout
  return { pid: run.pid!, done: run.done.then((r) => r.code) };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `check()` holds, polling every 20 ms, failing after `ms`. */
export async function until(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
