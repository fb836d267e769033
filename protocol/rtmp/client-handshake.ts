/** The client's side of the simple handshake: C0+C1 out, S0+S1 in, C2 out, S2 in. */
import { HANDSHAKE_PACKET_SIZE, HandshakeRole, RTMP_VERSION, makeEcho, makeFirstPacket } from './handshake';
import { RtmpProtocolError } from './errors';

export class ClientHandshake extends HandshakeRole {
  private started = false;
  private echoed = false;

  /** C0+C1 in one write: rtmplite first reads 23 bytes to sniff a Flash policy-file request (notes §1). */
  start(): Uint8Array {
    if (this.started) throw new Error('handshake already started');
    this.started = true;
    const out = new Uint8Array(1 + HANDSHAKE_PACKET_SIZE);
    out[0] = RTMP_VERSION;
    out.set(makeFirstPacket(this.env), 1);
    return out;
  }

  protected advance(): Uint8Array | null | undefined {
    if (!this.started) throw new Error('handshake not started');
    if (this.echoed) return null;
    const s0s1 = this.take(1 + HANDSHAKE_PACKET_SIZE);
    if (!s0s1) return undefined;
    if (s0s1[0] !== RTMP_VERSION) throw new RtmpProtocolError('handshake', `server version ${s0s1[0]}`);
    this.echoed = true;
    // Any S2 is accepted: rtmplite answers all-zero S1/S2 instead of echoing C1 (notes §0.1).
    return makeEcho(s0s1.subarray(1), this.env);
  }
}
