/**
 * createRtmpGateway(): the SIP–RTMP gateway (siprtmp protocol, application `sip`). Owns the listeners and
 * the session table: bounds the number of sessions and lets a new login for an address replace the old.
 */
import type { ByteDuplex } from '../protocol/rtmp/duplex';
import { ResumeTokens } from './session/resume';
import { GatewaySession, SessionHost } from './session/session';
import { drain, type DrainOutcome } from './drain';
import { HealthReport, Listener, listenHttp, listenTcp, refuseDuplex } from './listeners';
import { resolveGatewayOptions, ResolvedGatewayOptions, RtmpGatewayOptions } from './options';
import type { HostPort } from './sip-ua';

export interface RtmpGatewayAddresses {
  /** RTMP over TCP, or null when off. */
  readonly rtmp: HostPort | null;
  /** The HTTP port (WebSocket tunnel at `wsUrl`, RTMPT at `rtmptUrl`), or null when off. */
  readonly http: HostPort | null;
  readonly rtmpUrl: string | null;
  readonly wsUrl: string | null;
  readonly rtmptUrl: string | null;
}

export interface RtmpGatewayStats {
  readonly sessions: number;
  readonly calls: number;
  readonly refused: number;
}

export interface RtmpGateway {
  start(): Promise<RtmpGatewayAddresses>;
  /** Closes every session (un-REGISTERs them) and the listeners. */
  stop(): Promise<void>;
  /**
   * SIGTERM's graceful stop (`drain.ts`): no new connections, `/health` 503; calls kept until they end
   * or `drainTimeoutMs`; sessions without a call closed after `drainIdleDelayMs`; then `stop()`.
   * `signal` aborts it into an immediate stop.
   */
  drain(signal?: AbortSignal): Promise<DrainOutcome>;
  readonly addresses: RtmpGatewayAddresses | null;
  stats(): RtmpGatewayStats;
}

export function createRtmpGateway(options: RtmpGatewayOptions = {}): RtmpGateway {
  const resolved: ResolvedGatewayOptions = resolveGatewayOptions(options);
  const sessions = new Set<GatewaySession>();
  const byAor = new Map<string, GatewaySession>();
  const listeners: Listener[] = [];
  let addresses: RtmpGatewayAddresses | null = null;
  let refused = 0;
  let state: 'idle' | 'running' | 'draining' | 'stopped' = 'idle';
  const activeCalls = (): number => [...sessions].filter((s) => s.inCall).length;
  const health = (): HealthReport => ({
    ok: state === 'running',
    body: JSON.stringify({ status: state === 'running' ? 'serving' : state, sessions: sessions.size, calls: activeCalls() }),
  });

  const host: SessionHost = {
    options: resolved,
    resumeTokens: new ResumeTokens(),
    claim(aor, session) {
      const old = byAor.get(aor);
      byAor.set(aor, session);
      if (old && old !== session) {
        resolved.logger.info(`session ${old.id}: replaced by session ${session.id} for ${aor}`);
        void old.close();
      }
    },
    release(session) {
      sessions.delete(session);
      if (byAor.get(session.aor) === session) byAor.delete(session.aor);
    },
  };

  const accept = (duplex: ByteDuplex, via: string): void => {
    if (state !== 'running' || sessions.size >= resolved.maxSessions) {
      refused++;
      resolved.logger.warn(`refusing a ${via} connection: ${state === 'running' ? `${sessions.size} sessions (max ${resolved.maxSessions})` : state}`);
      refuseDuplex(duplex);
      return;
    }
    const session = new GatewaySession(duplex, host);
    sessions.add(session);
    resolved.logger.debug(`session ${session.id}: new ${via} connection`);
  };

  return {
    get addresses() {
      return addresses;
    },
    async start() {
      if (state !== 'idle') throw new Error('start() may be called once');
      state = 'running';
      try {
        if (resolved.rtmp) listeners.push(await listenTcp(resolved.rtmp, accept));
        if (resolved.http) {
          listeners.push(await listenHttp(resolved.http, { wsPath: resolved.wsPath, maxSessions: resolved.maxSessions, corsOrigins: resolved.corsOrigins, health, workers: resolved.rtmptWorkers }, accept));
        }
      } catch (error) {
        await this.stop();
        throw error;
      }
      const rtmp = resolved.rtmp ? listeners[0].address : null;
      const http = resolved.http ? listeners[listeners.length - 1].address : null;
      addresses = {
        rtmp,
        http,
        rtmpUrl: rtmp ? `rtmp://${rtmp.host}:${rtmp.port}/sip` : null,
        wsUrl: http ? `ws://${http.host}:${http.port}${resolved.wsPath}` : null,
        rtmptUrl: http ? `http://${http.host}:${http.port}` : null,
      };
      resolved.logger.info(`listening: ${[addresses.rtmpUrl, addresses.wsUrl, addresses.rtmptUrl].filter(Boolean).join(', ')}; SIP server ${resolved.sipServer.host}:${resolved.sipServer.port}`);
      return addresses;
    },
    async stop() {
      if (state === 'stopped') return;
      state = 'stopped';
      await Promise.all([...sessions].map((s) => s.close()));
      await Promise.all(listeners.map((l) => l.close()));
      listeners.length = 0;
    },
    drain(signal) {
      if (state !== 'running') return Promise.reject(new Error(`drain() needs a running gateway (it is ${state})`));
      state = 'draining';
      return drain(
        {
          stopAccepting: () => listeners.forEach((l) => l.stopAccepting()),
          activeCalls,
          closeIdleSessions: () => {
            const idle = [...sessions].filter((s) => !s.inCall && !s.closed);
            for (const s of idle) void s.close();
            return idle.length;
          },
          stop: () => this.stop(),
        },
        { timeoutMs: resolved.drainTimeoutMs, idleDelayMs: resolved.drainIdleDelayMs, signal, log: (line) => resolved.logger.info(line) },
      );
    },
    stats: () => ({ sessions: sessions.size, calls: activeCalls(), refused }),
  };
}
