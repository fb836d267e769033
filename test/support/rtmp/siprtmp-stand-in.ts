/**
 * TEST HELPER, not a gateway: plays the siprtmp gateway's side of a scenario over real TCP on
 * 127.0.0.1, on the project's RtmpServerSession. Tests decide each REGISTER outcome, read the client's
 * RPCs (`invite`, `accept`, `bye`…) and invoke its callbacks (`invited`, `accepted`, `byed`…) by hand.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { TcpDuplex } from '../../../protocol/rtmp/node/tcp-duplex';
import { RtmpServerSession, type ConnectDecision, type ConnectRequest } from '../../../protocol/rtmp/rtmp-server-session';
import type { IncomingCommand } from '../../../protocol/rtmp/connection-core';
import type { AmfValue } from '../../../protocol/rtmp/amf-values';

export type RegisterOutcome =
  | { ok: true }
  /** `unauthorized` is what the 2600hz fork calls before rejecting ('401 Unauthorized'); upstream sends none */
  | { ok: false; unauthorized?: string; description?: string };

export interface StandInOptions {
  register?: (request: ConnectRequest) => RegisterOutcome;
  /** 'ours': transfer answers '202 Accepted'; 'upstream': rtmplite's empty `_result` for a method it lacks */
  transfer?: 'ours' | 'upstream';
  /** 'ours': stopRegistrationRefresh answers true; 'upstream': an empty `_result`, as for any method it lacks */
  stopRefresh?: 'ours' | 'upstream';
  /** our gateway's resume: whether a connect presenting this `resumeToken` gets its call back (`resumed: true`) */
  resume?: (token: string) => boolean;
}

export interface Received {
  name: string;
  args: readonly AmfValue[];
}

export class SiprtmpStandIn {
  readonly commands: Received[] = [];
  readonly connects: ConnectRequest[] = [];
  /** audio messages the client published (tag byte + G.711) */
  readonly audio: Uint8Array[] = [];
  readonly streamEvents: string[] = [];
  private readonly sessions: RtmpServerSession[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly waiters: { name: string; resolve: (c: Received) => void }[] = [];
  private server: Server | null = null;
  port = 0;

  constructor(private readonly options: StandInOptions = {}) {}

  get rtmpUrl(): string {
    return `rtmp://127.0.0.1:${this.port}/sip`;
  }

  /** the latest accepted connection */
  get session(): RtmpServerSession {
    const s = [...this.sessions].reverse().find((x) => x.state === 'connected');
    if (!s) throw new Error('no connected client');
    return s;
  }

  get connectionCount(): number {
    return this.sessions.length;
  }

  async listen(): Promise<this> {
    this.server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  invoke(method: string, ...args: AmfValue[]): void {
    this.session.invoke(method, ...args);
  }

  /** resolves with the next (or an already received, unclaimed) RPC of that name */
  nextCommand(name: string, timeoutMs = 3000): Promise<Received> {
    const index = this.commands.findIndex((c) => c.name === name && !claimed.has(c));
    if (index >= 0) {
      claimed.add(this.commands[index]);
      return Promise.resolve(this.commands[index]);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${name} from the client in ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ name, resolve: (c) => { clearTimeout(timer); claimed.add(c); resolve(c); } });
    });
  }

  /** the gateway goes away: every socket is destroyed, the listener stays */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    const session: RtmpServerSession = new RtmpServerSession(new TcpDuplex(socket), {
      onConnect: (request) => this.decide(session, request),
      onCommand: (command) => this.answer(command),
    });
    this.sessions.push(session);
    session.on('audio', ({ payload }) => this.audio.push(payload.slice()));
    session.on('publish', ({ name }) => this.streamEvents.push(`publish ${name}`));
    session.on('play', ({ name }) => this.streamEvents.push(`play ${name}`));
    session.on('stream-end', ({ reason }) => this.streamEvents.push(`end ${reason}`));
  }

  private decide(session: RtmpServerSession, request: ConnectRequest): ConnectDecision {
    this.connects.push(request);
    const outcome = this.options.register?.(request) ?? { ok: true };
    const token = request.commandObject.resumeToken;
    if (outcome.ok && typeof token === 'string' && this.options.resume?.(token)) return { accept: true, info: { resumed: true } };
    if (outcome.ok) return { accept: true };
    // the fork calls the client while its connect is being decided, then rejects it
    if (outcome.unauthorized) session.invoke('unauthorized', outcome.unauthorized);
    return { accept: false, description: outcome.description ?? outcome.unauthorized ?? 'Registration failed' };
  }

  private answer(command: IncomingCommand): AmfValue | void {
    const received = { name: command.name, args: command.args };
    this.commands.push(received);
    const waiter = this.waiters.findIndex((w) => w.name === command.name);
    if (waiter >= 0) this.waiters.splice(waiter, 1)[0].resolve(received);
    if (command.name === 'transfer' && this.options.transfer === 'ours') return '202 Accepted';
    if (command.name === 'stopRegistrationRefresh' && this.options.stopRefresh === 'ours') return true;
    return undefined;
  }
}

const claimed = new WeakSet<Received>();
