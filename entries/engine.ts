/**
 * `kazoo-js/engine`, the engine's public entry (a composition root: it wires the WebRTC transport and its
 * call controls to the engine in src/engine, which knows neither): what plugins (plugins/wazo/phone) and applications build phones on. One
 * registration, any number of calls; hold/resume, blind and attended transfer, in- and out-of-dialog
 * MESSAGE, OPTIONS heartbeat, devices and video through the WebRTC transport's extension.
 *
 *   const engine = createEngine();
 *   engine.on('registered', …); engine.on('incoming', (call) => call.answer());
 *   engine.register(registrationSettings({ aor: 'sip:1001@pbx', authUser: '1001', password, wsUrl }));
 *   const call = engine.call('1002'); await call.need().setHold(true);
 */
import { Engine } from '../src/engine/engine';
import { reconnectOptionsFrom, type ReconnectOptions } from '../src/monitors/reconnect';
import { systemClock, type Clock } from '../protocol/clock';
import type { NetworkEnvironment } from '../src/monitors/connectivity';
import { browserNetwork } from '../src/facade/kazoo';
import { deviceIdentity, type KeyValueStore } from '../src/phone/device-identity';
import { consoleSink, createLogger, type LogSink } from '../src/util/logger';
import type { RegistrationSettings, TransportExtension, TransportFactory } from '../src/transport';
import { createWebRtcTransport } from '../transports/webrtc';
import { webRtcExtension } from '../transports/webrtc/call-controls';

export { Engine, type EngineDependencies, type EngineEvents } from '../src/engine/engine';
export { EngineCall, EngineError, type EngineCallEvents, type EngineErrorKey, type EngineRefer } from '../src/engine/engine-call';
export type {
  CallControls, CallEnd, CallMedia, InboundMessage, RegistrationSettings, RemoteParty, Transport, TransportCall,
  TransportExtension, TransportFactory, TransportServices,
} from '../src/transport';
export type { KazooError, KazooNotification, KazooSource } from '../src/catalogue/events';
export type { ReconnectOptions } from '../src/monitors/reconnect';

export interface CreateEngineOptions {
  /** where log lines go (default the console); null: nowhere */
  logSink?: LogSink | null;
  /** log debug lines too */
  debug?: boolean;
  /** reconnect attempts (-1: forever) and pace, as kazoo.register's reconnectMaxAttempts/reconnectDelay */
  reconnectMaxAttempts?: number;
  reconnectDelay?: number;
  clock?: Clock;
  network?: NetworkEnvironment;
  /** another transport (default WebRTC over JsSIP) and its extension (default the WebRTC one): tests */
  transport?: TransportFactory;
  extension?: TransportExtension;
}

/** An engine on WebRTC (JsSIP) with the call controls: the base of the Wazo phone. */
export function createEngine(options: CreateEngineOptions = {}): Engine {
  const logger = createLogger(options.logSink === undefined ? consoleSink : options.logSink, () => !!options.debug);
  return new Engine({
    createTransport: () => (options.transport ?? createWebRtcTransport)({ logger }),
    clock: options.clock ?? systemClock,
    network: options.network ?? browserNetwork(),
    logger,
    extension: options.extension ?? webRtcExtension,
  }, engineReconnectOptions(options));
}

export function engineReconnectOptions(options: Pick<CreateEngineOptions, 'reconnectMaxAttempts' | 'reconnectDelay'>): ReconnectOptions {
  return reconnectOptionsFrom(options.reconnectMaxAttempts, options.reconnectDelay);
}

export interface RegistrationInput {
  /** `sip:user@domain` */
  aor: string;
  authUser: string;
  password: string;
  /** `ws://` or `wss://` URL of the SIP WebSocket */
  wsUrl: string;
  /** the SIP domain (default: the AOR's host) */
  realm?: string;
  displayName?: string;
  iceServers?: RTCIceServer[];
  /** ms to wait for ICE candidates before sending an offer or answer (default 1000) */
  iceGatheringTimeout?: number;
  registerExpires?: number;
  userAgent?: string;
  /** RFC 4733 in the media (default) or SIP INFO */
  dtmfType?: 'rfc2833' | 'info';
  /** where the device's `+sip.instance` is kept across page loads (default: none, a new one each time) */
  store?: KeyValueStore | null;
}

/** RegistrationSettings with the engine's defaults filled in. */
export function registrationSettings(input: RegistrationInput): RegistrationSettings {
  const device = deviceIdentity(input.aor, input.store ?? null);
  return {
    aor: input.aor,
    authUser: input.authUser,
    password: input.password,
    realm: input.realm ?? input.aor.replace(/^sips?:[^@]*@/, '').replace(/[;:].*$/, ''),
    displayName: input.displayName,
    wsUrl: input.wsUrl,
    instanceId: device.instanceId,
    contactUri: device.contactUri,
    registerExpires: input.registerExpires ?? 600,
    iceServers: input.iceServers ?? [],
    fastIce: true,
    iceGatheringTimeout: input.iceGatheringTimeout ?? 1000,
    dtmfType: input.dtmfType ?? 'rfc2833',
    userAgent: input.userAgent ?? 'kazoo-js',
  };
}
