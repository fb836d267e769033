/** The server's side of the simple handshake: C0+C1 in, S0+S1+S2 out, C2 in (not checked). */
import { HANDSHAKE_PACKET_SIZE, HandshakeRole, RTMP_VERSION, makeEcho, makeFirstPacket } from './handshake';
import { RtmpProtocolError } from './errors';

export class ServerHandshake extends HandshakeRole {
  private versionRead = false;
  private answered = false;

  protected advance(): Uint8Array | null | undefined {
    if (this.answered) return null;
    if (!this.versionRead) {
      const c0 = this.take(1);
      if (!c0) return undefined;
      // 32–255 are forbidden so that text ("GET ", "POST", "<policy-file-request/>") is never RTMP
      // (§5.2.2). Versions 0–31 we do not know get the answer 3, as the spec asks.
      if (c0[0] >= 32) throw new RtmpProtocolError('handshake', `C0 ${c0[0]} is not an RTMP version`);
      this.versionRead = true;
    }
    const c1 = this.take(HANDSHAKE_PACKET_SIZE);
    if (!c1) return undefined;
    // S0+S1+S2 in one write, S2 echoing C1: npm rtmp-client refuses anything but the echo (notes §7).
    const output = new Uint8Array(1 + 2 * HANDSHAKE_PACKET_SIZE);
    output[0] = RTMP_VERSION;
    output.set(makeFirstPacket(this.env), 1);
    output.set(makeEcho(c1, this.env), 1 + HANDSHAKE_PACKET_SIZE);
    this.answered = true;
    return output;
  }
}
