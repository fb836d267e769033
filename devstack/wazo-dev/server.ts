// createWazoDevServer(): one HTTPS + WSS port that answers like a Wazo stack where the SDK cares —
// REST (auth, confd, calld, dird), websocketd and SIP over `wss://…/api/asterisk/ws` — built on the
// project's dev SIP server (its registrar, digest auth and proxy) with Wazo's behaviour added.

import { createDevSipServer, createLogger, demoUsers, parseAddUsers, type DevSipServer, type LogLevel, type LogSink, type UserRecord } from '../sip-server';
import { selfSignedCertificate, type PemPair } from './certificate';
import { CallRegistry, type BusEvent, type CallLeg } from './calls';
import { calldActions } from './call-control';
import { LegIds } from './leg-ids';
import { Originator } from './originate';
import { DialogRelay } from './relay';
import { Transfers } from './transfers';
import { namesOf, WazoDirectory, type WazoUser, type WazoUserRecord } from './directory';
import { createRestHandler } from './http';
import { authService } from './rest-auth';
import { calldService } from './rest-calld';
import { confdService } from './rest-confd';
import { dirdService } from './rest-dird';
import { wazoProxyBehaviour } from './sip-behaviour';
import { TokenStore } from './tokens';
import { Websocketd, WEBSOCKETD_PATH } from './websocketd';

export const SIP_WS_PATH = '/api/asterisk/ws';

export interface WazoDevOptions {
  /** Bind address. Default 127.0.0.1. */
  host?: string;
  /** HTTPS/WSS port; 0 = a free port. Default 0 (the CLI's default is 8443). */
  port?: number;
  /** Host name clients use (certificate subjectAltName, URLs printed). Default: the bind address. */
  advertisedHost?: string;
  /** PEM certificate and key; default: a self-signed certificate made at start. */
  tls?: PemPair;
  /** SIP users (login = SIP user = extension); default the demo users 1001..1010, password secret<user>. */
  users?: UserRecord[];
  /** More users, `--add-users` syntax ("1011-1020", "alice:pw"). */
  addUsers?: string[];
  /** How long a call rings before the caller gets 480 (Wazo's ring_seconds). Default 30. */
  ringSeconds?: number;
  logLevel?: LogLevel;
  logSink?: LogSink;
}

export interface WazoDevInfo {
  /** https://host:port — the SDK's `server` is `host:port`. */
  url: string;
  /** host:port, what `Wazo.Auth.setHost()` / `WazoApiClient({ server })` take. */
  server: string;
  port: number;
  sipUrl: string;
  websocketdUrl: string;
  /** The PEM certificate served (to trust it in Node: `ca`; in a browser: accept it once). */
  certificate: string;
}

export interface WazoDevServer {
  start(): Promise<WazoDevInfo>;
  stop(): Promise<void>;
  readonly users: readonly WazoUser[];
  /** Current legs of a user (calld's view). */
  calls(userUuid: string): CallLeg[];
  /** Every bus event the engine publishes (call_* events), for tests and tools. */
  onEvent(listener: (e: BusEvent) => void): () => void;
  readonly sip: DevSipServer;
}

function wazoRecords(records: readonly UserRecord[]): WazoUserRecord[] {
  return records.map((r) => {
    if (!r.password) throw new Error(`user ${r.user}: the Wazo engine needs a plain "password" (confd serves it to the phone), not an "ha1"`);
    return { username: r.user, password: r.password, ...namesOf(r.displayName, r.user) };
  });
}

export function createWazoDevServer(options: WazoDevOptions = {}): WazoDevServer {
  const host = options.host ?? '127.0.0.1';
  const advertisedHost = options.advertisedHost ?? (host === '0.0.0.0' ? '127.0.0.1' : host);
  const ringSeconds = options.ringSeconds ?? 30;
  if (!(ringSeconds > 0 && ringSeconds <= 3600)) throw new RangeError(`ringSeconds must be in 1..3600, got ${String(options.ringSeconds)}`);
  // Wazo has no Kazoo "single device" users: every line takes up to 10 contacts.
  const sipUsers = [...(options.users ?? demoUsers()), ...(options.addUsers ?? []).flatMap(parseAddUsers)].map((u) => ({ ...u, singleDevice: false }));
  const directory = new WazoDirectory(wazoRecords(sipUsers));
  const logger = createLogger(options.logLevel ?? 'warn', options.logSink, 'kazoo-wazo-dev');
  for (const u of sipUsers) if (u.password) logger.addSecret(u.password);
  const tokens = new TokenStore();
  const calls = new CallRegistry(directory);
  const legs = new LegIds();
  const websocketd = new Websocketd({ tokens, log: (l) => logger.info(l) });
  const rest = createRestHandler(
    // calld's actions need the SIP server, which needs this handler: bound late (see `actions` below)
    [authService(directory, tokens, (l) => logger.info(l)), confdService(directory), calldService(calls, { originate: (...a) => actions.originate(...a), hangup: (c) => actions.hangup(c), dtmf: (...a) => actions.dtmf(...a) }, () => transfers), dirdService(directory)],
    { tokens, log: (l) => logger.debug(l) },
  );
  const unpublish = calls.subscribe((e) => websocketd.publish(e.userUuid, e.name, e.data));
  const tls = options.tls ?? selfSignedCertificate([advertisedHost, host, '127.0.0.1', '::1', 'localhost'].filter((h) => h !== '0.0.0.0'));

  const sip = createDevSipServer({
    host,
    advertisedHost,
    wsPort: options.port ?? 0,
    wsPath: SIP_WS_PATH,
    udp: false,
    tls,
    domain: advertisedHost,
    realm: 'asterisk',
    users: sipUsers,
    // Wazo's AOR: min 60, max 3600, default 120 s (the SDK asks for 600 and gets it).
    expires: { min: 60, max: 3600, default: 120 },
    timers: { inviteTimeoutMs: ringSeconds * 1000 },
    // Asterisk challenges a wrong password again instead of answering 403.
    authFailure: 401,
    logLevel: options.logLevel ?? 'warn',
    logSink: options.logSink,
    hostHooks: { onHttp: rest, onUpgrade: (req, socket, head) => websocketd.handleUpgrade(req, socket, head) },
    proxy: { ...wazoProxyBehaviour(calls, directory, legs), ownRequest: (req, txn) => originator.ownRequest(req, txn) || relay.ownRequest(req, txn) },
  });
  const relay = new DialogRelay(sip.agent, calls);
  const originator = new Originator(sip.agent, calls, directory, advertisedHost, relay);
  const transfers = new Transfers(sip.agent, calls, directory, legs, relay, { domain: advertisedHost, ringSeconds, warn: (l) => logger.warn(l) });
  const actions = calldActions(sip.agent, calls, legs, originator, relay, directory);
  // Without a device left, a user's calls are over (Asterisk would hang them up; no BYE will come).
  const unwatch = sip.on('unregistered', (e) => {
    const user = directory.byName(e.user);
    if (user && sip.contacts(e.user).length === 0) calls.userGone(user.uuid);
  });
  const sweep = setInterval(() => tokens.sweep(), 10_000);
  sweep.unref();

  return {
    users: directory.list(),
    sip,
    calls: (userUuid) => calls.legsOf(userUuid),
    onEvent: (listener) => calls.subscribe(listener),

    async start() {
      const started = await sip.start();
      const port = Number(new URL(started.httpUrl).port);
      const hostPort = `${advertisedHost.includes(':') ? `[${advertisedHost}]` : advertisedHost}:${port}`;
      const info: WazoDevInfo = {
        url: `https://${hostPort}`,
        server: hostPort,
        port,
        sipUrl: `wss://${hostPort}${SIP_WS_PATH}`,
        websocketdUrl: `wss://${hostPort}${WEBSOCKETD_PATH}`,
        certificate: tls.cert,
      };
      logger.info(`listening on ${info.url} (REST, websocketd, SIP over WebSocket); ${directory.list().length} users`);
      return info;
    },

    async stop() {
      clearInterval(sweep);
      unwatch();
      unpublish();
      websocketd.close();
      await sip.stop();
      calls.clear();
      legs.clear();
      originator.clear();
      transfers.clear();
      relay.clear();
      tokens.clear();
    },
  };
}
