// Options of createDevSipServer() and their defaults. The library defaults suit tests (random ports,
// quiet logs); the CLI passes its own (fixed ports, info logs, the shipped users.json).

import { networkInterfaces } from 'node:os';
import { resolveLimits, type Limits } from './limits';
import type { LogLevel, LogSink } from './logger';
import { DEFAULT_EXPIRES, type ExpiresPolicy } from './registrar';
import { DEFAULT_TIMERS, type SipTimers } from '../../protocol/sip/transaction/timers';
import type { UserRecord } from './users';
import type { ProxyBehaviour } from './proxy/behaviour';
import type { WsHostHooks } from './transports/ws';

export interface DevSipServerOptions {
  /** Bind address of both transports. Default 127.0.0.1 (a flag is needed to listen on the network). */
  host?: string;
  /** Host written in Via / Record-Route / Contact. Default: the bind address, or the first LAN IPv4 for 0.0.0.0. */
  advertisedHost?: string;
  /** SIP over WebSocket port; 0 (default) = a free port. */
  wsPort?: number;
  /** WebSocket path; other paths get 404. Default "/ws" (as the lab). */
  wsPath?: string;
  /** SIP over UDP port; 0 (default) = a free port. */
  udpPort?: number;
  /** SIP domain (AOR host in NOTIFYs). Default "kazoo.test". Requests for any host are served. */
  domain?: string;
  /** Digest realm. Default: the domain. */
  realm?: string;
  /** Users JSON file. Default: none, the built-in demo users (the same as users.json) are used. */
  usersFile?: string;
  /** Extra users. */
  users?: UserRecord[];
  /** `--add-users` specs, e.g. ["1011-1020", "2001:pw"]. */
  addUsers?: string[];
  limits?: Partial<Limits>;
  timers?: Partial<SipTimers>;
  expires?: Partial<ExpiresPolicy>;
  /** Digest nonce lifetime; an older nonce gets a stale=true challenge. Default 300 s. */
  nonceTtlSec?: number;
  /** Wrong password: 403 "Wrong password" (default, as the lab) or a new 401/407 challenge. */
  authFailure?: 401 | 403;
  logLevel?: LogLevel;
  logSink?: LogSink;
  /** Lab-compatible HTTP helpers (/health, /mwi, /notify, /contacts, /kick) on the WebSocket port. Default true. */
  httpHelpers?: boolean;
  /** WebSocket ping interval; a peer that misses one is disconnected. Default 30 s. */
  pingIntervalMs?: number;
  /** A dialog with no in-dialog request for this long is forgotten (its slot freed). Default 2 h. */
  dialogIdleMs?: number;
  /** Expiry sweep interval. Default 1 s. */
  sweepIntervalMs?: number;
  /** Serve SIP over secure WebSocket (wss:) with this PEM certificate and key. */
  tls?: { cert: string; key: string };
  /** Bind SIP over UDP too. Default true. */
  udp?: boolean;
  /** A host product on the same port: its HTTP requests (instead of the helpers) and its own WebSocket paths. */
  hostHooks?: WsHostHooks;
  /** PBX-like behaviour of the proxy (observers, answers on no-answer and answered elsewhere). */
  proxy?: ProxyBehaviour;
}

export interface ResolvedOptions {
  host: string;
  advertisedHost: string;
  wsPort: number;
  wsPath: string;
  udpPort: number;
  domain: string;
  realm: string;
  usersFile: string | undefined;
  users: UserRecord[];
  addUsers: string[];
  limits: Limits;
  timers: SipTimers;
  expires: ExpiresPolicy;
  nonceTtlMs: number;
  authFailure: 401 | 403;
  logLevel: LogLevel;
  logSink: LogSink | undefined;
  httpHelpers: boolean;
  pingIntervalMs: number;
  dialogIdleMs: number;
  sweepIntervalMs: number;
  tls: { cert: string; key: string } | undefined;
  udp: boolean;
  hostHooks: WsHostHooks | undefined;
  proxy: ProxyBehaviour;
}

function port(value: number | undefined, name: string): number {
  const p = value ?? 0;
  if (!Number.isInteger(p) || p < 0 || p > 65535) throw new RangeError(`${name} must be 0..65535, got ${String(value)}`);
  return p;
}

const ANY = new Set(['0.0.0.0', '::']);

function firstLanAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** Every address that means "this machine" when it appears in a Route or Request-URI. */
export function localAliases(opts: ResolvedOptions): Set<string> {
  const out = new Set(['127.0.0.1', 'localhost', '::1', opts.host, opts.advertisedHost, opts.domain].map((h) => h.toLowerCase()));
  if (ANY.has(opts.host)) {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address.toLowerCase());
  }
  return out;
}

export function resolveOptions(o: DevSipServerOptions = {}): ResolvedOptions {
  const host = o.host ?? '127.0.0.1';
  const domain = o.domain ?? 'kazoo.test';
  const wsPath = o.wsPath ?? '/ws';
  if (!wsPath.startsWith('/')) throw new RangeError(`wsPath must start with "/", got ${wsPath}`);
  return {
    host,
    advertisedHost: o.advertisedHost ?? (ANY.has(host) ? firstLanAddress() : host),
    wsPort: port(o.wsPort, 'wsPort'),
    wsPath,
    udpPort: port(o.udpPort, 'udpPort'),
    domain,
    realm: o.realm ?? domain,
    usersFile: o.usersFile,
    users: o.users ?? [],
    addUsers: o.addUsers ?? [],
    limits: resolveLimits(o.limits),
    timers: { ...DEFAULT_TIMERS, ...o.timers },
    expires: { ...DEFAULT_EXPIRES, ...o.expires },
    nonceTtlMs: (o.nonceTtlSec ?? 300) * 1000,
    authFailure: o.authFailure ?? 403,
    logLevel: o.logLevel ?? 'warn',
    logSink: o.logSink,
    httpHelpers: o.httpHelpers ?? true,
    pingIntervalMs: o.pingIntervalMs ?? 30_000,
    dialogIdleMs: o.dialogIdleMs ?? 2 * 3600_000,
    sweepIntervalMs: o.sweepIntervalMs ?? 1000,
    tls: o.tls,
    udp: o.udp ?? true,
    hostHooks: o.hostHooks,
    proxy: o.proxy ?? {},
  };
}
