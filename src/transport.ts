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
  /** an answered call that receives no audio for this long is ended (a dead media path), ms; 0 = never; default 30000 */
  mediaTimeout?: number;
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
  /**
   * close a connection that is open but dead (its probe went unanswered) as if the network had dropped
   * it: 'disconnected' follows with `reason` (neverOpened false); no-op when not connected
   */
  dropDeadConnection(reason: string): void;
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

/** Media of a call the engine places or answers (defaults: audio from the default microphone, no video). */
export interface CallMedia {
  /** send and receive video (the camera) as well */
  video?: boolean;
  /** `deviceId` of the microphone to use */
  audioInputId?: string;
  /** `deviceId` of the camera to use */
  videoInputId?: string;
}

/** An inbound SIP MESSAGE (RFC 3428), in or out of a dialog. */
export interface InboundMessage {
  from: RemoteParty;
  contentType: string;
  body: string;
  /** SIP Call-ID of the dialog it came in, when it came in one */
  dialogCallId?: string;
}

/**
 * What a transport can do for a call beyond the legacy one-call phone: hold, attended transfer, in-dialog
 * MESSAGE, devices and video. Optional: the engine asks the transport's extension for it
 * (`TransportExtension.controls`), so a build without the extension (dist/kazoo.js) carries none of it.
 */
export interface CallControls {
  /** the SIP Call-ID of the dialog */
  readonly sipCallId: string;
  /** a header of the INVITE that created an incoming call, or of the last response to ours */
  header(name: string): string | undefined;
  /** an incoming call's INVITE offers video (an `m=video` with a port): the caller wants to be seen */
  offersVideo(): boolean;
  /** an incoming call was cancelled because another device of the user answered it (the CANCEL's Reason) */
  answeredElsewhere(): boolean;
  /** answer with this media (instead of TransportCall.answer's audio-only) */
  answer(media: CallMedia): void;
  /** re-INVITE: hold (`sendonly`) or resume (`sendrecv`); resolves once the far end answered 2xx */
  setHold(held: boolean): Promise<void>;
  /** REFER to `other`'s far end with Replaces of `other`'s dialog (attended transfer); outcome on the TransportCall's transfer events */
  transferReplacing(other: CallControls): void;
  /** in-dialog MESSAGE; resolves on 2xx */
  sendMessage(body: string, contentType: string): Promise<void>;
  /** enable or disable the camera track (no signalling) */
  setCamera(enabled: boolean): void;
  /** take audio (or video) from another device, on the live call (replaceTrack, no signalling) */
  setInputDevice(kind: 'audio' | 'video', deviceId: string): Promise<void>;
  /** make this call's far end the one heard (after a resume, several calls share one output) */
  playRemote(): void;
  localStream(): MediaStream | null;
  remoteStream(): MediaStream | null;
}

/** Transport-wide extras: out-of-dialog requests, audio output. */
export interface TransportServices {
  /** out-of-dialog MESSAGE to a SIP URI; resolves on 2xx */
  sendMessage(target: string, body: string, contentType: string): Promise<void>;
  /** OPTIONS to a SIP URI; resolves true on any final answer within timeoutMs */
  ping(target: string, timeoutMs: number): Promise<boolean>;
  /** inbound MESSAGEs, in or out of a dialog; returns the unsubscribe */
  onMessage(listener: (message: InboundMessage) => void): () => void;
  /** the far end's audio to this output device (`setSinkId`) */
  setAudioOutput(deviceId: string): Promise<void>;
  setOutputVolume(volume: number): void;
}

/** Adds CallControls and TransportServices to a transport (transports/webrtc/call-controls.ts for WebRTC). */
export interface TransportExtension {
  controls(call: TransportCall): CallControls | null;
  services(transport: Transport): TransportServices | null;
  /** start a call with this media, or null when the transport cannot */
  call(transport: Transport, target: string, media: CallMedia): TransportCall | null;
}

export interface TransportEnvironment {
  logger: Logger;
}

export type TransportFactory = (env: TransportEnvironment) => Transport;
