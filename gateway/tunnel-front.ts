/**
 * createTunnelFront(): the gateway's tunnel side alone (`kazoo-rtmp-gateway --upstream rtmp://host:1935`).
 * A page cannot open TCP, and rtmplite's siprtmp.py speaks only RTMP over TCP (its rtmpt.py has no
 * WebSocket); this front serves the WebSocket tunnel and RTMPT exactly as the full gateway does (same
 * listener, port and paths) and relays each tunnel session's raw RTMP bytes to the existing gateway over
 * one TCP connection of its own, closed together. No SIP side: registration, calls and media are the
 * upstream gateway's.
 */
import { connectTcp } from '../protocol/rtmp/node/tcp-duplex';
import type { ByteDuplex } from '../protocol/rtmp/duplex';
import { relayDuplexes, type Relay } from './duplex-relay';
import { listenHttp, refuseDuplex, type Listener } from './listeners';
import { createLogger, type LogLevel, type LogSink } from './logger';
import type { HostPort } from './sip-ua';

export interface TunnelFrontOptions {
  /** the existing siprtmp gateway's RTMP port */
  readonly upstream: HostPort;
  /** HTTP port of the WebSocket tunnel and RTMPT; port 0 = any free port. Default 127.0.0.1:1936. */
  readonly http?: HostPort;
  /** WebSocket tunnel path. Default `/rtmp`. */
  readonly wsPath?: string;
  /** concurrent tunnel sessions (each holds one upstream connection). Default 1000. */
  readonly maxSessions?: number;
  /** CORS origins allowed on RTMPT. Default '*'. */
  readonly corsOrigins?: readonly string[] | '*';
  /** the upstream TCP connect must succeed within this. Default 10 s. */
  readonly connectTimeoutMs?: number;
  /** bytes a session may hold for a side that does not drain before it is closed. Default 1 MiB. */
  readonly maxBufferedBytes?: number;
  readonly logLevel?: LogLevel;
  readonly logSink?: LogSink;
}

export interface TunnelFrontAddresses {
  readonly http: HostPort;
  readonly wsUrl: string;
  readonly rtmptUrl: string;
}

export interface TunnelFront {
  start(): Promise<TunnelFrontAddresses>;
  /** closes every session (both of its connections) and the listener */
  stop(): Promise<void>;
  readonly addresses: TunnelFrontAddresses | null;
  stats(): { readonly sessions: number; readonly refused: number };
}

export function createTunnelFront(options: TunnelFrontOptions): TunnelFront {
  const logger = createLogger(options.logLevel ?? 'warn', options.logSink);
  const upstream = options.upstream;
  const maxSessions = options.maxSessions ?? 1000;
  const wsPath = options.wsPath ?? '/rtmp';
  const relays = new Set<Relay>();
  let listener: Listener | null = null;
  let addresses: TunnelFrontAddresses | null = null;
  let state: 'idle' | 'running' | 'stopped' = 'idle';
  let nextId = 1;
  let refused = 0;

  const accept = (client: ByteDuplex, via: 'tcp' | 'ws' | 'rtmpt'): void => {
    if (state !== 'running' || relays.size >= maxSessions) {
      refused++;
      logger.warn(`refusing a ${via} tunnel: ${relays.size} sessions (max ${maxSessions})`);
      refuseDuplex(client);
      return;
    }
    const id = nextId++;
    const opened = Date.now();
    // only counts and reasons are logged: the bytes carry the client's password (connect's arguments)
    logger.info(`tunnel ${id}: new ${via} session, connecting to ${upstream.host}:${upstream.port}`);
    const relay = relayDuplexes(client, () => connectTcp(upstream.host, upstream.port, { timeoutMs: options.connectTimeoutMs ?? 10_000 }), {
      maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
      onEnd: ({ reason, bytesUp, bytesDown }) => {
        relays.delete(relay);
        const seconds = ((Date.now() - opened) / 1000).toFixed(1);
        logger.info(`tunnel ${id}: closed (${reason}) after ${seconds} s, ${bytesUp} bytes up, ${bytesDown} bytes down`);
      },
    });
    relays.add(relay);
  };

  return {
    get addresses() {
      return addresses;
    },
    async start() {
      if (state !== 'idle') throw new Error('start() may be called once');
      state = 'running';
      const at = options.http ?? { host: '127.0.0.1', port: 1936 };
      try {
        listener = await listenHttp(at, { wsPath, maxSessions, corsOrigins: options.corsOrigins ?? '*' }, accept);
      } catch (error) {
        state = 'stopped';
        throw error;
      }
      const http = listener.address;
      addresses = { http, wsUrl: `ws://${http.host}:${http.port}${wsPath}`, rtmptUrl: `http://${http.host}:${http.port}` };
      logger.info(`tunnel-only front listening: ${addresses.wsUrl}, ${addresses.rtmptUrl}; upstream rtmp://${upstream.host}:${upstream.port}`);
      return addresses;
    },
    async stop() {
      if (state === 'stopped') return;
      state = 'stopped';
      for (const relay of [...relays]) relay.close('front stopped');
      await listener?.close();
      listener = null;
    },
    stats: () => ({ sessions: relays.size, refused }),
  };
}
