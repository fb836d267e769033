/**
 * The SIP-facing media of one call, behind one small interface so that a WebRTC-profile leg (DTLS-SRTP +
 * ICE with werift, for browsers with no media relay in between) can replace the plain RTP leg without the
 * call or the session knowing. The call only moves SDP and 20 ms G.711 frames.
 */
import type { AudioCodec } from './sdp';

export interface MediaFrame {
  readonly codec: AudioCodec;
  /** 160 bytes of G.711 for 20 ms (any length is passed through untouched). */
  readonly payload: Uint8Array;
  /** Milliseconds since the remote's first frame of its current source; restarts on a source change. */
  readonly timeMs: number;
  /** True on the first frame of a new source (SSRC change): the consumer resets its clock. */
  readonly restart: boolean;
}

export interface MediaOfferOptions {
  readonly codecs: readonly AudioCodec[];
  readonly dtmf: boolean;
  readonly hold?: boolean;
}

/** A value now (plain RTP) or later (ICE gathering, DTLS setup in the WebRTC leg). */
export type Awaitable<T> = T | Promise<T>;

export interface MediaLeg {
  /** Our SDP offer. */
  createOffer(options: MediaOfferOptions): Awaitable<string>;
  /** Applies the remote answer to our offer; false when nothing usable was answered. */
  applyAnswer(sdp: string): Awaitable<boolean>;
  /** Answers a remote offer; undefined when no codec is acceptable (the call answers 488). */
  createAnswer(offerSdp: string, options: MediaOfferOptions): Awaitable<string | undefined>;
  /** The negotiated codec, once negotiated. */
  readonly codec: AudioCodec | null;
  /** Whether the remote's current SDP puts us on hold. */
  readonly remoteHold: boolean;
  /** Sends one 20 ms frame (the leg transcodes between the two G.711 laws if it must). */
  sendFrame(codec: AudioCodec, payload: Uint8Array): void;
  /**
   * Sends (queues: digits are played one after the other in real time) an RFC 4733 digit; false when
   * telephone-event was not negotiated, the digit is invalid or too many wait.
   */
  sendDtmf(digit: string): boolean;
  onFrame: ((frame: MediaFrame) => void) | null;
  /** RFC 4733 digits received (ends only, once per event). */
  onDtmf: ((digit: string) => void) | null;
  /**
   * Our offer was refused for its SDP (488/415/606): drop the current offer and make the next one in
   * another profile (the `auto` media profile: WebRTC first, then plain RTP). False when there is none.
   * Optional: legs with a single profile do not implement it.
   */
  switchProfile?(): Promise<boolean>;
  close(): void;
}

/** Creates the media leg for a new call; the gateway's option so other profiles can plug in. */
export type MediaLegFactory = () => Promise<MediaLeg>;
