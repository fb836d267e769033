/**
 * Which SDP profile a peer speaks. A browser (JsSIP in Chromium) offers and answers only the WebRTC
 * profile: ICE, DTLS-SRTP, `UDP/TLS/RTP/SAVPF`; a PBX behind rtpengine (the lab) or sipp speaks plain
 * `RTP/AVP`. With no media relay between the gateway and a browser, the gateway must pick per call.
 */
import type { Direction } from './sdp';

/** True when the first audio m-line is (UDP/TLS/)RTP/SAVPF with ICE credentials: the WebRTC leg is needed. */
export function isWebRtcSdp(sdp: string): boolean {
  return /^m=audio \d+ (?:UDP\/TLS\/)?RTP\/SAVPF /m.test(sdp) && /^a=ice-ufrag:\S+/m.test(sdp);
}

/** The direction of the first audio m-line (session-level attribute as fallback, RFC 4566 §6). */
export function audioDirection(sdp: string): Direction {
  const audio = sdp.search(/^m=audio /m);
  const pick = (text: string): Direction | null => (/^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.exec(text)?.[1] as Direction | undefined) ?? null;
  if (audio < 0) return pick(sdp) ?? 'sendrecv';
  const rest = sdp.slice(audio);
  const next = rest.slice(1).search(/^m=/m);
  const section = next < 0 ? rest : rest.slice(0, next + 1);
  return pick(section) ?? pick(sdp.slice(0, audio)) ?? 'sendrecv';
}

/** The payload type the peer maps to telephone-event/8000, if any. */
export function telephoneEventPt(sdp: string): number | null {
  const m = /^a=rtpmap:(\d+) telephone-event\/8000/im.exec(sdp);
  return m ? Number(m[1]) : null;
}

/** True when the first audio m-line lists payload type 0 (PCMU, static, RFC 3551). */
export function offersPcmu(sdp: string): boolean {
  const m = /^m=audio \d+ \S+((?: \d+)+)\s*$/m.exec(sdp);
  return m !== null && m[1].trim().split(' ').includes('0');
}
