import type { EventEmitter } from 'eventemitter3';
import type { KazooSource } from './catalogue/events';
import type { Logger } from './util/logger';

/**
 * The one interface every transport adapter implements (WebRTC over JsSIP, RTMP through a gateway).
 * The engine drives it and maps its events to the legacy callbacks and the catalogue; it never asks
 * which adapter it got. Transports never reconnect by themselves: the engine's reconnect monitor
 * decides when, and calls reconnect().
 */
export interface RegistrationSettings {
  /** `sip:user@realm` */
  aor: string;
  authUser: string;
  password: string;
  realm: string;
  displayName?: string;
  wsUrl?: string;
  rtmpUrl?: string;
  /** RTMP in browsers: the gateway's WebSocket tunnel (default `ws(s)://<rtmp host>:1936/rtmp`; its host and port also serve RTMPT) */
  rtmpTunnelUrl?: string;
  /** the device's stable `+sip.instance` URN and Contact URI, reused by every (re)registration */
  instanceId: string;
  contactUri?: string;
  registerExpires: number;
  iceServers: RTCIceServer[];
  /** send the offer/answer on the first usable ICE candidate (or after iceGatheringTimeout ms) */
  fastIce: boolean;
  iceGatheringTimeout: number;
  dtmfType: 'info' | 'rfc2833';
  userAgent: string;
}

export interface DisconnectInfo {
  code?: number;
  reason?: string;
  /** the connection never opened (refused, unreachable, closed before the handshake ended) */
  neverOpened: boolean;
  source: KazooSource;
}

export interface RegistrationFailure {
  /** SIP status, or undefined for a timeout / transport error */
  code?: number;
  reason: string;
  source: KazooSource;
}

export interface InboundNotify {
  event?: string;
  contentType?: string;
  body: string;
  source: KazooSource;
}

export interface TransportEvents {
  /** the socket is open (a registration follows) */
  connected: [];
  disconnected: [info: DisconnectInfo];
  registered: [];
  registrationFailed: [failure: RegistrationFailure];
  notify: [notify: InboundNotify];
  incoming: [call: TransportCall];
}

/** The transports the engine knows, by the names `version`, the catalogue's `source.protocol` and the registry use. */
export type TransportName = 'webrtc' | 'rtmp';

export interface Transport extends EventEmitter<TransportEvents> {
  readonly protocol: TransportName;
  /** connect and register */
  start(settings: RegistrationSettings): void;
  /** open a fresh connection now (closing a live one) and register again on it */
  reconnect(): void;
  /** ask the server whether the connection is alive; resolves false on silence */
  probe(timeoutMs: number): Promise<boolean>;
  /** stop refreshing the registration (another device took it over) but stay connected */
  stopRegistrationRefresh(): void;
  /** unregister (best effort, bounded) and close */
  stop(): Promise<void>;
  isConnected(): boolean;
  /** place a call; `target` is already a validated SIP URI */
  call(target: string): TransportCall;
}

export interface RemoteParty {
  uri: string;
  /** display name, without quotes; undefined when the caller sent none */
  name?: string;
  /** the URI's user part (a number on most platforms) */
  number: string;
}

export interface CallEnd {
  /** the call reached the answered state before it ended */
  answered: boolean;
  originator: 'local' | 'remote' | 'system';
  code?: number;
  reason: string;
  /** for unanswered calls: what kind of ending it was */
  event: 'rejected' | 'cancelled' | 'failed' | 'bye';
  /** the microphone could not be had (denied, missing): the page hears media_error too */
  mediaError?: boolean;
  source: KazooSource;
}

export interface ReferRequest {
  target: string;
  /** follow the transfer: call `target`; returns the new call (null when the call can no longer follow) */
  follow(): TransportCall | null;
}

export interface TransportCallEvents {
  /** 2xx sent or received: the call is up */
  accepted: [];
  ended: [end: CallEnd];
  /** the far end asks this phone to call someone else (incoming REFER) */
  referred: [refer: ReferRequest];
  /** our REFER was accepted (202) */
  transferAccepted: [];
  transferFailed: [code: number | undefined, reason: string];
  /** the transfer target answered (NOTIFY sipfrag 2xx) */
  transferCompleted: [];
}

export interface TransportCall extends EventEmitter<TransportCallEvents> {
  readonly direction: 'incoming' | 'outgoing';
  readonly remote: RemoteParty;
  answer(): void;
  reject(code: number, reason: string): void;
  hangup(): void;
  sendDTMF(tone: string): void;
  transfer(target: string): void;
  mute(muted: boolean): void;
}

export interface TransportEnvironment {
  logger: Logger;
}

export type TransportFactory = (env: TransportEnvironment) => Transport;
