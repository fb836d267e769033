// `Wazo.Phone` (the Simple API's phone): after `Wazo.Auth.logIn`, connect() registers the user's WebRTC
// line (credentials from confd's merged SIP endpoint, read at login) over wss://{host}/api/asterisk/ws.
// Unlike the SDK (§7): connect() resolves once registered (#25), every phone event is re-emitted here
// (#3), calld's call id comes from websocketd `call_created` matched by SIP Call-ID (#7), and mute
// tells calld only when that id is known.

import type { WazoApiClient } from '../api/wazo-api-client';
import type { Session } from '../domain/session';
import type { SipLine } from '../domain/sip-line';
import { Emitter } from '../util/emitter';
import type { WazoEvent } from '../websocket/websocket-client';
import type { CreateEngineOptions } from '../../../entries/engine';
import type { CallSession } from './call-session';
import { WazoWebRTCClient, type UaConfigOverrides, type WebRTCClientConfig, type WebRTCClientMedia } from './webrtc-client';
import { PHONE_EVENTS, WebRTCPhone, type WebRTCPhoneEvents } from './webrtc-phone';

export interface SimplePhoneDependencies {
  getHost(): string | null;
  getSession(): Session | null;
  getApiClient(): WazoApiClient;
  /** websocketd (`Wazo.Websocket`): `call_created` carries each leg's SIP Call-ID and Wazo call id */
  websocket: { on(event: 'call_created', listener: (event: WazoEvent) => void): unknown };
}

export interface PhoneConnectOptions extends Partial<WebRTCClientConfig> {
  media?: WebRTCClientMedia;
  uaConfigOverrides?: UaConfigOverrides;
  /** engine options (logging, reconnect pace) */
  engine?: CreateEngineOptions;
}

export class NoSipLineError extends Error {
  constructor() {
    super('Sorry, no sip lines found for this user');
    this.name = 'NoSipLineError';
  }
}

export class SimplePhone extends Emitter<WebRTCPhoneEvents> {
  phone: WebRTCPhone | null = null;
  client: WazoWebRTCClient | null = null;
  sipLine: SipLine | null = null;
  private connecting: Promise<void> | null = null;

  constructor(private readonly deps: SimplePhoneDependencies) {
    super();
    Object.assign(this, PHONE_EVENTS);
    deps.websocket.on('call_created', (event) => {
      const data = (event?.data ?? {}) as { sip_call_id?: unknown; call_id?: unknown };
      if (typeof data.sip_call_id === 'string' && typeof data.call_id === 'string') this.phone?.setCallSessionCallId(data.sip_call_id, data.call_id);
    });
  }

  /** registers the user's WebRTC line; resolves once the REGISTER was answered 200 (single flight) */
  connect(options: PhoneConnectOptions = {}): Promise<void> {
    if (this.phone?.isRegistered()) return Promise.resolve();
    if (!this.connecting) {
      const pending = this.start(options);
      this.connecting = pending;
      pending.catch(() => undefined).finally(() => { if (this.connecting === pending) this.connecting = null; });
    }
    return this.connecting;
  }

  private async start(options: PhoneConnectOptions): Promise<void> {
    const host = this.deps.getHost();
    const session = this.deps.getSession();
    if (!host || !session) throw new Error('Wazo.Phone.connect: log in with Wazo.Auth.logIn first');
    const line = session.profile?.sipLines.find((l) => l.isWebRtc());
    if (!line) throw new NoSipLineError();
    this.sipLine = line;
    if (!this.phone) {
      const { media, uaConfigOverrides, engine, ...rest } = options;
      const [hostname, port] = host.split(':');
      const client = new WazoWebRTCClient({
        host: hostname,
        port: port ? Number(port) : 443,
        displayName: session.displayName,
        authorizationUser: line.username,
        password: line.secret,
        userUuid: session.uuid ?? undefined,
        media: media ?? { audio: true, video: false },
        ...rest,
      }, null, uaConfigOverrides, engine);
      const phone = new WebRTCPhone(client, options.audioOutputDeviceId ?? null, true);
      for (const name of Object.values(PHONE_EVENTS)) {
        phone.on(name, (...args: unknown[]) => (this.emit as (e: string, ...a: unknown[]) => void)(name, ...args));
      }
      this.client = client;
      this.phone = phone;
    }
    await this.phone.register();
  }

  async disconnect(): Promise<void> {
    const phone = this.phone;
    this.phone = null;
    this.client = null;
    if (phone) await phone.close();
  }

  private need(): WebRTCPhone {
    if (!this.phone) throw new Error('Wazo.Phone: call connect() first');
    return this.phone;
  }

  call(extension: string, withCamera = false): Promise<CallSession | null> { return this.need().makeCall(extension, null, withCamera); }
  accept(cs: CallSession, withCamera = false): Promise<string> { return this.need().accept(cs, withCamera); }
  reject(cs: CallSession): void { this.need().reject(cs); }
  hangup(cs: CallSession): void { this.need().hangup(cs); }
  hold(cs: CallSession): Promise<void> { return this.need().hold(cs); }
  resume(cs: CallSession): Promise<void> { return this.need().resume(cs); }
  unhold(cs: CallSession): Promise<void> { return this.need().resume(cs); }

  /** local mute, then calld's (`PUT …/calls/{callId}/mute/start`) when the Wazo call id is known */
  async mute(cs: CallSession, withApi = true): Promise<void> {
    this.need().mute(cs);
    if (withApi && cs.callId) await this.deps.getApiClient().calld.mute(cs.callId);
  }

  async unmute(cs: CallSession, withApi = true): Promise<void> {
    this.need().unmute(cs);
    if (withApi && cs.callId) await this.deps.getApiClient().calld.unmute(cs.callId);
  }

  /** the SDK's argument order: tone first */
  sendDTMF(tone: string, cs: CallSession): void { this.need().sendKey(cs, tone); }
  transfer(cs: CallSession, target: string): Promise<void> { return this.need().transfer(cs, target); }
  indirectTransfer(source: CallSession, destination: CallSession): Promise<void> { return this.need().indirectTransfer(source, destination); }
  sendMessage(body: string, cs: CallSession, contentType = 'text/plain'): Promise<void> { return this.need().sendMessage(cs, body, contentType); }
  sendChat(content: string, cs: CallSession): Promise<void> { return this.need().sendChat(cs, content); }
  sendSignal(content: unknown, cs: CallSession): Promise<void> { return this.need().sendSignal(cs, content); }
  turnCameraOff(cs: CallSession): void { this.need().turnCameraOff(cs); }
  turnCameraOn(cs: CallSession): void { this.need().turnCameraOn(cs); }
  getCurrentSipSession(): CallSession | null { return this.phone?.getCurrentCallSession() ?? null; }
  getPrimaryWebRtcLine(): SipLine | null { return this.deps.getSession()?.profile?.sipLines.find((l) => l.isWebRtc()) ?? null; }
  isConnected(): boolean { return !!this.phone?.isRegistered(); }
}

export type SimplePhoneInstance = SimplePhone & typeof PHONE_EVENTS;

export function createSimplePhone(deps: SimplePhoneDependencies): SimplePhoneInstance {
  return new SimplePhone(deps) as SimplePhoneInstance;
}
