/** Options of `createRtmpGateway()` and their defaults (the CLI's are the same, but for the log level: warn here, info there). */
import { DEFAULT_GATEWAY_AGENT } from './agent';
import { createLogger, Logger, LogLevel, LogSink } from './logger';
import type { MediaLegFactory } from './media-leg';
import { MediaProfile, profileLegFactory } from './profile-leg';
import { createRtpLeg } from './rtp-leg';
import { createWebRtcLeg } from './webrtc-leg';
import type { HostPort } from './sip-ua';
import type { RtmptWorkerRoute } from './rtmpt-workers';
import { sipMessageBuilder } from '../protocol/sip/builder';

export interface RtmpGatewayOptions {
  /** RTMP over TCP; port 0 = any free port; null = off. Default 127.0.0.1:1935. */
  readonly rtmp?: HostPort | null;
  /** HTTP port serving the WebSocket tunnel and RTMPT; null = off. Default 127.0.0.1:1936. */
  readonly http?: HostPort | null;
  /** WebSocket tunnel path. Default `/rtmp`. */
  readonly wsPath?: string;
  /** The SIP server (UDP) every out-of-dialog request goes to. Default 127.0.0.1:5060. */
  readonly sipServer?: HostPort;
  /** Address SIP and RTP sockets bind to and advertise. Default 127.0.0.1. */
  readonly sipAddress?: string;
  readonly maxSessions?: number;
  /** Calls one connection may place or take over its lifetime (bounds abuse through one login). */
  readonly maxCallsPerSession?: number;
  /** Accept an empty password as outbound-only with no REGISTER (siprtmp did). Default false. */
  readonly allowUnregistered?: boolean;
  /** INVITEs to `sip:user@<IPv4>[:port]` go straight to that address instead of the SIP server. Default false. */
  readonly directIpCalls?: boolean;
  readonly registerExpiresSec?: number;
  /** RFC 3261 T1 in ms (default 500); tests shorten it. */
  readonly sipT1Ms?: number;
  /** The gateway's name in User-Agent / Server of every SIP message it sends. Default `kazoo-rtmp-gateway/<version>`. */
  readonly userAgent?: string;
  /** A connect must be accepted within this (covers the REGISTER). Default 15 s. */
  readonly connectTimeoutMs?: number;
  /**
   * A connection that drops during an answered call keeps the SIP call this long (ms) for the client to
   * come back with the call's resume token (session/resume.ts); then BYE. 0 = off (the call ends with
   * the connection, as siprtmp did). Default 30 000.
   */
  readonly resumeGraceMs?: number;
  /** CORS origins allowed on RTMPT (`application/x-fcs` forces a preflight). Default '*'. */
  readonly corsOrigins?: readonly string[] | '*';
  readonly logLevel?: LogLevel;
  readonly logSink?: LogSink;
  /**
   * SDP profile of our offers (outgoing calls): 'rtp' = RTP/AVP, for a PBX or a media relay such as
   * rtpengine; 'webrtc' = ICE + DTLS-SRTP, for browsers reached through a signalling-only server (the dev
   * stack); 'auto' = ICE + DTLS-SRTP first and, when the far end refuses that offer with 488, 415 or 606,
   * one new INVITE in RTP/AVP (the client sees only the second INVITE's outcome). Answers always follow
   * the offer's profile. Default 'rtp'.
   */
  readonly mediaProfile?: MediaProfile;
  /** Media leg per call; default picks RTP or WebRTC per call on `sipAddress` (see `mediaProfile`). */
  readonly mediaLegFactory?: MediaLegFactory;
  /** `drain()` (SIGTERM): calls still up after this are ended with a BYE. Default 3600 s. */
  readonly drainTimeoutMs?: number;
  /**
   * `drain()`: sessions without a call are closed this long after it began, once the load balancer's
   * health check has seen `/health` answer 503 (HAProxy: `inter` × `fall`). Default 5 s.
   */
  readonly drainIdleDelayMs?: number;
  /** set by `--workers` in each worker: RTMPT sessions of the shared HTTP port reach the worker that opened them */
  readonly rtmptWorkers?: RtmptWorkerRoute;
}

export interface ResolvedGatewayOptions {
  readonly rtmp: HostPort | null;
  readonly http: HostPort | null;
  readonly wsPath: string;
  readonly sipServer: HostPort;
  readonly sipAddress: string;
  readonly maxSessions: number;
  readonly maxCallsPerSession: number;
  readonly allowUnregistered: boolean;
  readonly directIpCalls: boolean;
  readonly registerExpiresSec: number;
  readonly sipT1Ms: number;
  readonly userAgent: string;
  readonly connectTimeoutMs: number;
  readonly resumeGraceMs: number;
  readonly corsOrigins: readonly string[] | '*';
  readonly logger: Logger;
  readonly mediaProfile: MediaProfile;
  readonly mediaLegFactory: MediaLegFactory;
  readonly drainTimeoutMs: number;
  readonly drainIdleDelayMs: number;
  readonly rtmptWorkers?: RtmptWorkerRoute;
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function notNegative(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be an integer ≥ 0, got ${value}`);
  return value;
}

export function resolveGatewayOptions(o: RtmpGatewayOptions = {}): ResolvedGatewayOptions {
  const sipAddress = o.sipAddress ?? '127.0.0.1';
  const mediaProfile = o.mediaProfile ?? 'rtp';
  if (!['rtp', 'webrtc', 'auto'].includes(mediaProfile)) throw new RangeError(`mediaProfile must be rtp, webrtc or auto, got ${String(mediaProfile)}`);
  return {
    rtmp: o.rtmp === undefined ? { host: '127.0.0.1', port: 1935 } : o.rtmp,
    http: o.http === undefined ? { host: '127.0.0.1', port: 1936 } : o.http,
    wsPath: o.wsPath ?? '/rtmp',
    sipServer: o.sipServer ?? { host: '127.0.0.1', port: 5060 },
    sipAddress,
    maxSessions: positive(o.maxSessions ?? 1000, 'maxSessions'),
    maxCallsPerSession: positive(o.maxCallsPerSession ?? 1000, 'maxCallsPerSession'),
    allowUnregistered: o.allowUnregistered ?? false,
    directIpCalls: o.directIpCalls ?? false,
    registerExpiresSec: positive(o.registerExpiresSec ?? 300, 'registerExpiresSec'),
    sipT1Ms: positive(o.sipT1Ms ?? 500, 'sipT1Ms'),
    userAgent: sipMessageBuilder(o.userAgent ?? DEFAULT_GATEWAY_AGENT).agent, // a bad name fails here, not on the first call
    connectTimeoutMs: positive(o.connectTimeoutMs ?? 15_000, 'connectTimeoutMs'),
    resumeGraceMs: notNegative(o.resumeGraceMs ?? 30_000, 'resumeGraceMs'),
    corsOrigins: o.corsOrigins ?? '*',
    logger: createLogger(o.logLevel ?? 'warn', o.logSink),
    mediaProfile,
    mediaLegFactory:
      o.mediaLegFactory ??
      profileLegFactory(mediaProfile, {
        rtp: () => createRtpLeg({ address: sipAddress }),
        webrtc: () => createWebRtcLeg({ address: sipAddress }),
      }),
    drainTimeoutMs: notNegative(o.drainTimeoutMs ?? 3_600_000, 'drainTimeoutMs'),
    drainIdleDelayMs: notNegative(o.drainIdleDelayMs ?? 5000, 'drainIdleDelayMs'),
    rtmptWorkers: o.rtmptWorkers,
  };
}
