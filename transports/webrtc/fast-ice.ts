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
      timer = setTimeout(ready, timeoutMs);
    }
  });
  session.on('sdp', clear);
  session.on('ended', clear);
  session.on('failed', clear);
}
