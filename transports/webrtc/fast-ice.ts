/**
 * JsSIP sends an INVITE (or its 200 OK) only when ICE gathering is complete. On loopback Chromium's TCP
 * host candidate alone arrives ~120 ms after the UDP one, and a slow STUN server can take seconds.
 * With fast ICE the SDP goes out on the first *usable* candidate, or after `timeoutMs` at the latest:
 * without ICE servers a UDP host candidate is all there will be of use; with them, wait for a
 * server-reflexive or relay candidate, which is what makes the call work across NAT.
 */
export interface IceCandidateEvent {
  candidate: { candidate: string; type?: string | null; protocol?: string | null };
  ready: () => void;
}

export interface CandidateEmitter {
  on(event: 'icecandidate', fn: (e: IceCandidateEvent) => void): unknown;
  on(event: 'ended' | 'failed' | 'sdp', fn: () => void): unknown;
  /** the session's peer connection (JsSIP's RTCSession.connection) */
  readonly connection?: Pick<RTCPeerConnection, 'pendingLocalDescription' | 'currentLocalDescription'> | null;
}

/**
 * How long an ICE restart's offer waits for a usable candidate. A restart is sent because the media
 * path went away, mostly because the phone's address changed: its old candidates are no use, and
 * Chromium (Linux) offers one on the new address only 2.02–2.27 s after the change (its network change
 * notifier waits 2 s after the last address event; test/e2e/survival-path.e2e.test.ts measures it). With
 * the usual short wait (`iceGatheringTimeout`, from the first candidate that is no use) the offer would
 * go out with nothing but the TCP candidate Chromium still lists on the old address (measured: it comes
 * ~0.1 s after the restart's gathering begins) whenever the restart begins > 0.4 s before Chromium
 * learns the new address, and the new candidate, found later, would never be offered. So the
 * restart begins as early as it may (ice-restart.ts) and its offer waits here, going out the instant
 * the candidate appears.
 */
export const RESTART_GATHER_MS = 2500;

const ufrag = (d: RTCSessionDescription | null | undefined) => (d ? /a=ice-ufrag:(\S+)/.exec(d.sdp)?.[1] : undefined);

/** an offer with new ICE credentials is being gathered (RFC 8445 §9: an ICE restart) */
export function iceRestartPending(pc: CandidateEmitter['connection']): boolean {
  const pending = ufrag(pc?.pendingLocalDescription);
  return pending !== undefined && ufrag(pc?.currentLocalDescription) !== undefined && pending !== ufrag(pc?.currentLocalDescription);
}

export function isUsableCandidate(candidateLine: string, withIceServers: boolean): boolean {
  const parts = candidateLine.replace(/^a=/, '').split(/\s+/);
  // candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> …
  const transport = (parts[2] ?? '').toLowerCase();
  const typ = parts[parts.indexOf('typ') + 1] ?? '';
  if (transport !== 'udp') return false;
  return withIceServers ? typ === 'srflx' || typ === 'relay' : true;
}

export function applyFastIce(session: CandidateEmitter, withIceServers: boolean, timeoutMs: number): void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const clear = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  session.on('icecandidate', ({ candidate, ready }) => {
    if (isUsableCandidate(candidate.candidate, withIceServers)) {
      clear();
      ready();
    } else if (!timer) {
      timer = setTimeout(ready, iceRestartPending(session.connection) ? Math.max(timeoutMs, RESTART_GATHER_MS) : timeoutMs);
    }
  });
  session.on('sdp', clear);
  session.on('ended', clear);
  session.on('failed', clear);
}
