// The parked answer and hold offer (parked-sdp.ts) built from a Chromium offer as JsSIP sends it.
import { parkedAnswer, parkedHoldOffer } from './parked-sdp';

const OFFER = [
  'v=0', 'o=- 4611731400430051336 3 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', 'a=extmap-allow-mixed', 'a=msid-semantic: WMS stream',
  'm=audio 51000 UDP/TLS/RTP/SAVPF 111 0', 'c=IN IP4 127.0.0.1', 'a=rtcp:9 IN IP4 0.0.0.0',
  'a=candidate:1 1 udp 2122260223 127.0.0.1 51000 typ host generation 0', 'a=end-of-candidates',
  'a=ice-ufrag:AbCd', 'a=ice-pwd:0123456789abcdefghijklmn', 'a=ice-options:trickle',
  'a=fingerprint:sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99',
  'a=setup:actpass', 'a=mid:0', 'a=sendrecv', 'a=msid:stream track', 'a=rtcp-mux', 'a=rtpmap:111 opus/48000/2', 'a=rtpmap:0 PCMU/8000',
  'a=ssrc:1234 cname:x', '',
].join('\r\n');

test('the parked answer mirrors the offer: same media, inactive, new ICE credentials and fingerprint, no candidates, active DTLS', () => {
  const answer = parkedAnswer(Buffer.from(OFFER)).toString();
  for (const kept of ['a=group:BUNDLE 0', 'm=audio 51000 UDP/TLS/RTP/SAVPF 111 0', 'a=mid:0', 'a=rtcp-mux', 'a=rtpmap:111 opus/48000/2']) expect(answer).toContain(kept);
  expect(answer).toMatch(/^a=inactive$/m);
  expect(answer).not.toMatch(/^a=(sendrecv|candidate|end-of-candidates|ssrc|msid)/m);
  expect(answer).toMatch(/^a=setup:active$/m);
  expect(answer).toMatch(/^a=ice-ufrag:[A-Za-z0-9]{8}$/m);
  expect(answer).toMatch(/^a=ice-pwd:[A-Za-z0-9]{24}$/m);
  expect(answer).not.toContain('a=ice-ufrag:AbCd');
  expect(answer).toMatch(/^a=fingerprint:sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$/m);
  expect(answer).not.toContain('AA:BB:CC:DD');
  expect(answer.endsWith('\r\n')).toBe(true);
  // two parks are two strangers
  expect(parkedAnswer(Buffer.from(OFFER)).toString()).not.toBe(answer);
});

test('the hold offer keeps the parked parameters and says sendonly (JsSIP: held by the far end)', () => {
  const answer = parkedAnswer(Buffer.from(OFFER));
  const offer = parkedHoldOffer(answer).toString();
  expect(offer).toMatch(/^a=sendonly$/m);
  expect(offer).toMatch(/^a=setup:actpass$/m);
  const credentials = (sdp: string) => sdp.split('\r\n').filter((l) => /^a=(ice-ufrag|ice-pwd|fingerprint)/.test(l));
  expect(credentials(offer)).toEqual(credentials(answer.toString()));
});
