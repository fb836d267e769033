// createDevSipServer(): wires the modules together and owns their lifecycle. Nothing here parses or
// routes SIP; it builds the shared context, starts the two transports, runs the expiry sweep, and
// offers the control API (MWI, NOTIFY, contacts, kick) that tests, the demo and the HTTP helpers use.

import { Authenticator } from './auth/authenticator';
import type { ServerContext } from './context';
import { DialogTracker } from './dialogs';
import { ServerEvents, type ServerEventMap, type ServerEventName } from './events';
import { createHttpHelpers } from './http-helpers';
import type { MwiOrder } from './kazoo/bodies';
import { notifyBinding } from './kazoo/notifier';
import { Voicemail, type Mailbox } from './kazoo/voicemail';
import { createLogger, type Logger } from './logger';
import { localAliases, resolveOptions, type DevSipServerOptions, type ResolvedOptions } from './options';
import { LocalAddress } from './proxy/addressing';
import { createSipAgent, type SipAgent } from './proxy/agent';
import { createInbound } from './proxy/inbound';
import { RequestHandler } from './proxy/requests';
import { Registrar, type BindingInfo } from './registrar';
import { ClientTransactions } from '../../protocol/sip/transaction/client';
import { ServerTransactions } from '../../protocol/sip/transaction/server';
import type { Flow } from '../../protocol/sip/flow';
import { UdpTransport } from './transports/udp';
import { WsTransport, type KickMode } from './transports/ws';
import { demoUsers, loadUsersFile, parseAddUsers, UserDirectory, type UserInfo, type UserRecord } from './users';
import { DEV_SERVER_AGENT } from './messages';

export interface StartedInfo {
  /** e.g. ws://127.0.0.1:5064/ws — give it to JsSIP's WebSocketInterface. */
  wsUrl: string;
  udp: { host: string; port: number };
  /** Base URL of the lab-like HTTP helpers (same port as the WebSocket). */
  httpUrl: string;
  domain: string;
}

export interface ServerStats {
  users: number;
  registrations: number;
  wsConnections: number;
  serverTransactions: number;
  clientTransactions: number;
  dialogs: number;
  subscriptions: number;
}

/** The user directory as the API exposes it: no secrets out. */
export interface DevUsers {
  add(record: UserRecord): UserInfo;
  has(user: string): boolean;
  get(user: string): UserInfo | undefined;
  list(): UserInfo[];
  readonly size: number;
}

export interface DevSipServer {
  start(): Promise<StartedInfo>;
  stop(): Promise<void>;
  readonly users: DevUsers;
  readonly domain: string;
  /** Set `user`'s voicemail counts and NOTIFY every device; returns the number of NOTIFYs sent. */
  triggerMwi(user: string, newCount: number, oldCount: number, opts?: { order?: MwiOrder }): number;
  /** One more new voicemail for `user` (what a MESSAGE to *97 does). */
  leaveVoicemail(user: string): number;
  mailbox(user: string): Mailbox;
  /** Unsolicited NOTIFY with any Event to every device of `user` (the lab's /notify). */
  notify(user: string, event: string, body?: string, contentType?: string): number;
  contacts(user: string): BindingInfo[];
  /** Drop every device of `user`: no close frame (client sees 1006), or a 1001 "Going Away" frame. */
  kick(user: string, opts?: { code?: 1001 }): { removed: number; closed: number };
  stats(): ServerStats;
  on<K extends ServerEventName>(name: K, listener: (event: ServerEventMap[K]) => void): () => void;
  /** For a host product that is a party of calls itself (see proxy/agent.ts). */
  readonly agent: SipAgent;
}

export class DevSipServerError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly transport?: 'ws' | 'udp',
    readonly port?: number,
  ) {
    super(message);
    this.name = 'DevSipServerError';
  }
}

function loadUsers(opts: ResolvedOptions, logger: Logger): UserDirectory {
  const dir = new UserDirectory(opts.realm, logger);
  const records = opts.usersFile ? loadUsersFile(opts.usersFile) : demoUsers();
  for (const r of [...records, ...opts.users, ...opts.addUsers.flatMap(parseAddUsers)]) dir.add(r);
  return dir;
}

export function createDevSipServer(options: DevSipServerOptions = {}): DevSipServer {
  const opts = resolveOptions(options);
  const logger = createLogger(opts.logLevel, opts.logSink);
  const users = loadUsers(opts, logger);
  const events = new ServerEvents();
  let ws: WsTransport | undefined;
  let udp: UdpTransport | undefined;

  const ctx: ServerContext = {
    logger,
    limits: opts.limits,
    timers: opts.timers,
    domain: opts.domain,
    users,
    auth: new Authenticator(users, { realm: opts.realm, nonceTtlMs: opts.nonceTtlMs, authFailure: opts.authFailure }),
    registrar: new Registrar(users, opts.limits, opts.expires),
    dialogs: new DialogTracker(opts.limits.maxDialogs, opts.dialogIdleMs),
    serverTxns: new ServerTransactions(opts.timers),
    clientTxns: new ClientTransactions(opts.timers, DEV_SERVER_AGENT),
    flows: {
      wsFlow: (id) => ws?.flow(id),
      udpFlow: (address, port) => udp?.flowTo(address, port),
    },
    events,
    local: new LocalAddress(opts.advertisedHost, 0, 0, new Set()),
    proxy: opts.proxy,
  };
  const voicemail = new Voicemail(ctx);
  const inbound = createInbound(ctx, new RequestHandler(ctx, voicemail));
  let sweepTimer: NodeJS.Timeout | undefined;
  let state: 'idle' | 'starting' | 'running' | 'stopped' = 'idle';

  const onFlowClosed = (flow: Flow): void => {
    if (state !== 'running') return;
    for (const b of ctx.registrar.removeFlow(flow.id)) {
      logger.info(`${b.user} <${b.contact}>: connection ${flow.id} closed, binding removed`);
      events.emit('unregistered', { user: b.user, contact: b.contact, reason: 'closed' });
    }
    voicemail.removeFlow(flow.id);
    ctx.clientTxns.failFlow(flow.id);
  };

  const api: DevSipServer = {
    users,
    domain: opts.domain,

    async start(): Promise<StartedInfo> {
      if (state !== 'idle') throw new DevSipServerError('start() may be called once', 'EALREADY');
      state = 'starting';
      ws = new WsTransport({
        host: opts.host,
        port: opts.wsPort,
        path: opts.wsPath,
        maxConnections: opts.limits.maxConnections,
        maxFrameBytes: opts.limits.maxMessageBytes * 4,
        maxBufferedBytes: opts.limits.maxWsBufferedBytes,
        pingIntervalMs: opts.pingIntervalMs,
        logger,
        onMessage: inbound,
        onClose: onFlowClosed,
        tls: opts.tls,
        onUpgrade: opts.hostHooks?.onUpgrade?.bind(opts.hostHooks),
        onHttp: opts.hostHooks ? (req, res) => opts.hostHooks?.onHttp(req, res) : opts.httpHelpers
          ? createHttpHelpers({
              domain: opts.domain,
              triggerMwi: (u, n, o, order) => api.triggerMwi(u, n, o, { order }),
              notify: (u, e) => api.notify(u, e),
              contacts: (u) => api.contacts(u),
              kick: (u, mode) => api.kick(u, mode === 1001 ? { code: 1001 } : {}),
            })
          : undefined,
      });
      if (opts.udp) udp = new UdpTransport({ host: opts.host, port: opts.udpPort, logger, onMessage: inbound });
      const bind = async (t: WsTransport | UdpTransport, kind: 'ws' | 'udp', port: number): Promise<number> => {
        try {
          return await t.start();
        } catch (err) {
          const e = err as NodeJS.ErrnoException;
          await api.stop();
          const what = kind === 'ws' ? 'WebSocket (TCP)' : 'UDP';
          const hint = e.code === 'EADDRINUSE' ? ': another process uses it; choose another port or stop that process'
            : e.code === 'EADDRNOTAVAIL' ? ': no such local address' : e.code === 'EACCES' ? ': permission denied (ports < 1024 need privileges)' : '';
          throw new DevSipServerError(`${what} port ${port} on ${opts.host} unavailable (${e.code ?? e.message})${hint}`, e.code ?? 'EUNKNOWN', kind, port);
        }
      };
      const wsPort = await bind(ws, 'ws', opts.wsPort);
      const udpPort = udp ? await bind(udp, 'udp', opts.udpPort) : 0;
      ctx.local = new LocalAddress(opts.advertisedHost, wsPort, udpPort, localAliases(opts));
      sweepTimer = setInterval(() => {
        ctx.registrar.sweep();
        voicemail.sweep();
        ctx.dialogs.sweep();
      }, opts.sweepIntervalMs);
      sweepTimer.unref();
      state = 'running';
      const urlHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host === '0.0.0.0' ? opts.advertisedHost : opts.host;
      const info: StartedInfo = {
        wsUrl: `${opts.tls ? 'wss' : 'ws'}://${urlHost}:${wsPort}${opts.wsPath}`,
        udp: { host: opts.host, port: udpPort },
        // the helpers answer loopback clients only, so name the loopback address for a wildcard bind
        httpUrl: `${opts.tls ? 'https' : 'http'}://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host === '::' ? '[::1]' : urlHost}:${wsPort}`,
        domain: opts.domain,
      };
      logger.info(`listening: ${info.wsUrl} (SIP over WebSocket)${udp ? `, udp ${opts.host}:${udpPort}` : ''}; domain ${opts.domain}, ${users.size} users`);
      return info;
    },

    async stop(): Promise<void> {
      if (state === 'stopped') return;
      state = 'stopped';
      if (sweepTimer) clearInterval(sweepTimer);
      await Promise.all([ws?.stop(), udp?.stop()]);
      ctx.serverTxns.clear();
      ctx.clientTxns.clear();
      ctx.registrar.clear();
      ctx.dialogs.clear();
      voicemail.clear();
    },

    triggerMwi(user, newCount, oldCount, o = {}) {
      if (!users.has(user)) return 0;
      return voicemail.set(user, { newCount, oldCount }, o.order ?? 'current');
    },

    leaveVoicemail(user) {
      return users.has(user) ? voicemail.leave(user) : 0;
    },

    mailbox: (user) => voicemail.mailbox(user),

    notify(user, event, body = 'lab notification\r\n', contentType = 'text/plain') {
      let sent = 0;
      for (const b of ctx.registrar.lookup(user)) if (notifyBinding(ctx, b, { event, contentType, body })) sent++;
      return sent;
    },

    contacts: (user) => ctx.registrar.info(user),

    kick(user, o = {}) {
      const mode: KickMode = o.code === 1001 ? 1001 : 'drop';
      const removed = ctx.registrar.removeUser(user);
      const flowIds = new Set<string>();
      for (const b of removed) {
        events.emit('unregistered', { user, contact: b.contact, reason: 'kick' });
        if (b.flow.transport === 'ws') flowIds.add(b.flow.id);
      }
      let closed = 0;
      for (const id of flowIds) if (ws?.kick(id, mode)) closed++;
      logger.info(`kick ${user}: ${removed.length} binding(s) removed, ${closed} connection(s) closed (${mode})`);
      return { removed: removed.length, closed };
    },

    stats: () => ({
      users: users.size,
      registrations: ctx.registrar.count,
      wsConnections: ws?.connectionCount ?? 0,
      serverTransactions: ctx.serverTxns.size,
      clientTransactions: ctx.clientTxns.size,
      dialogs: ctx.dialogs.size,
      subscriptions: voicemail.subscriptionCount,
    }),

    on: (name, listener) => events.on(name, listener),
    agent: createSipAgent(ctx),
  };
  return api;
}
