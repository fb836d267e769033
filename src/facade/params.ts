import type { CancelDetails, KazooError, KazooNotification } from '../catalogue/events';
import type { Call } from '../phone/call';
import type { HangupDetails } from '../phone/phone';

/** `kazoo.init(params)`, as the 2014 document describes it. */
export interface InitParams {
  /** called once the library is ready for register() */
  onLoaded?: () => void;
  /** called instead of onLoaded when RTMP is needed but this browser cannot run it */
  onFlashMissing?: (container: HTMLElement | null) => void;
  /** id of the element handed to onFlashMissing (the 2014 library put its Flash movie there) */
  flashContainer?: string;
  /** use the RTMP transport even where WebRTC works */
  forceRTMP?: boolean;
  /** log the engine's (and JsSIP's) debug output to the console; passwords are never logged */
  debug?: boolean;
  // ---- kazoo-js additions ----
  /**
   * dist/kazoo.js only: where to fetch the RTMP transport's code when a page needs RTMP (it is not in
   * kazoo.js, so WebRTC pages do not download it). Default: `kazoo-rtmp-transport.js` beside kazoo.js,
   * as the 2014 library fetched its Flash movie from beside itself.
   */
  rtmpScriptUrl?: string;
}

/** `kazoo.register(params)`: the 2014 document's parameters, then the options kazoo-js adds. */
export interface RegisterParams {
  /** SIP over WebSocket server, e.g. `wss://sip.example.com:5065` */
  wsUrl?: string;
  /** SIP–RTMP gateway, e.g. `rtmp://gateway.example.com/sip` */
  rtmpUrl?: string;
  /** SIP realm (the Kazoo account's realm) */
  realm?: string;
  /** the SIP address or the auth user name: either order works, see docs/api.md */
  privateIdentity?: string;
  publicIdentity?: string;
  password?: string;
  onIncoming?: (call: Call) => void;
  onConnected?: () => void;
  onAccepted?: () => void;
  /** kazoo-js adds `details` (who ended the call and why: `{originator, message, source}`); 2014 pages ignore it */
  onHangup?: (details: HangupDetails) => void;
  onCancel?: (details: CancelDetails) => void;
  onTransfer?: () => void;
  onNotified?: (notification: KazooNotification) => void;
  onError?: (error: KazooError) => void;
  /** -1 (default) = try forever, 0 = never reconnect by itself, n = at most n attempts */
  reconnectMaxAttempts?: number;
  /** milliseconds between attempts (default 5000, at least 2000); below 100 it is read as seconds */
  reconnectDelay?: number;
  /** accepted here too, as in the 2014 document's example; init's value wins */
  forceRTMP?: boolean;
  // ---- kazoo-js additions ----
  /** RTMP in browsers: the gateway's WebSocket tunnel, default `ws(s)://<rtmpUrl host>:1936/rtmp` (RTMPT on the same host and port is the fallback) */
  rtmpTunnelUrl?: string;
  /** the name callees see */
  displayName?: string;
  /** STUN/TURN servers (default none) */
  iceServers?: RTCIceServer[];
  /** send the offer/answer on the first usable ICE candidate instead of waiting for all (default true) */
  fastIce?: boolean;
  /** with fastIce, the longest wait for a usable candidate, ms (default 300) */
  iceGatheringTimeout?: number;
  /** DTMF as SIP INFO (default, what the 2014 library sent) or RFC 4733 in the media */
  dtmfType?: 'info' | 'rfc2833';
  /** registration lifetime asked of the registrar, seconds (default 300) */
  registerExpires?: number;
  /** an answered call that receives no audio for this long is ended (onHangup), ms; 0 = never (default 30000) */
  mediaTimeout?: number;
  /** this device's `+sip.instance` UUID; by default one per browser tab, kept across reloads */
  instanceId?: string;
}

export const REGISTER_DEFAULTS = { fastIce: true, iceGatheringTimeout: 300, dtmfType: 'info', registerExpires: 300, mediaTimeout: 30_000 } as const;
