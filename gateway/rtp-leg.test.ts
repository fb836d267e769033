/**
 * The RTP leg's one send buffer (rtp-leg.ts `send`): reused only when dgram has handed the packet to the
 * kernel before send() returned. A remote named by a host name makes every send wait for a lookup, so the
 * queued send still holds the buffer: frames sent back to back must each arrive with their own bytes.
 */
import { createSocket, type Socket } from 'node:dgram';
import { decodeRtp, type RtpPacket } from './rtp-packet';
import { createRtpLeg } from './rtp-leg';

const answerTo = (host: string, port: number): string =>
  ['v=0', `o=- 1 1 IN IP4 ${host}`, 's=-', `c=IN IP4 ${host}`, 't=0 0', `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');

describe('the reused send buffer', () => {
  let receiver: Socket;
  let got: RtpPacket[];
  beforeEach(async () => {
    receiver = createSocket('udp4');
    await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
    got = [];
    receiver.on('message', (bytes) => {
      const p = decodeRtp(bytes);
      if (p) got.push({ ...p, payload: p.payload.slice() });
    });
  });
  afterEach(() => receiver.close());

  // 127.0.0.1: sent at once, the buffer reused; localhost: each send waits for dns.lookup, a new buffer each
  for (const host of ['127.0.0.1', 'localhost']) {
    test(`three frames sent back to back to ${host} arrive each with its own sequence number and bytes`, async () => {
      const leg = await createRtpLeg();
      try {
        leg.createOffer({ codecs: ['pcmu'], dtmf: false });
        expect(leg.applyAnswer(answerTo(host, receiver.address().port))).toBe(true);
        for (const fill of [0x11, 0x22, 0x33]) leg.sendFrame('pcmu', new Uint8Array(160).fill(fill));
        const end = Date.now() + 5000;
        while (got.length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
        // lookups may finish out of order: the sequence number says which frame a packet was
        const since = (p: RtpPacket): number => ((p.sequence - got[0].sequence + 0x8000) & 0xffff) - 0x8000; // signed, across the wrap
        const bySequence = [...got].sort((a, b) => since(a) - since(b));
        expect(new Set(got.map((p) => p.sequence)).size).toBe(3);
        expect(bySequence.map((p) => [p.payload.length, new Set(p.payload).size, p.payload[0]])).toEqual([
          [160, 1, 0x11],
          [160, 1, 0x22],
          [160, 1, 0x33],
        ]);
      } finally {
        leg.close();
      }
    });
  }
});
