// The SDP answer the engine gives a phone that waits alone (the transferred party of an attended
// transfer while its transferor talks to the recipient; Asterisk would play it music on hold). The engine
// has no media, so the answer mirrors the phone's own offer with every stream `inactive`, ICE credentials
// and a DTLS fingerprint of nobody, and no candidates: the phone's PeerConnection stays `stable` and
// quiet, and the next re-INVITE (complete / cancel) connects it again. Answering instead of refusing
// matters: JsSIP does not roll a refused offer back, and its PeerConnection would stay in
// `have-local-offer`.

import { randomBytes } from 'node:crypto';

const CREDENTIAL_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function token(length: number): string {
  return [...randomBytes(length)].map((b) => CREDENTIAL_CHARS[b % CREDENTIAL_CHARS.length]).join('');
}

/**
 * The offer that puts the parked phone on hold (`sendonly`, from the parked answer `answer`: the same
 * credentials, nothing renegotiated): JsSIP then reports the call held by the far end, and its monitors
 * expect the silence instead of restarting ICE every few seconds.
 */
export function parkedHoldOffer(answer: Buffer): Buffer {
  return Buffer.from(answer.toString('utf8').replace(/^a=setup:active$/gm, 'a=setup:actpass').replace(/^a=inactive$/gm, 'a=sendonly'));
}

/** An answer to `offer` that connects to nothing (see the module comment). */
export function parkedAnswer(offer: Buffer): Buffer {
  const ufrag = token(8);
  const pwd = token(24);
  const fingerprint = [...randomBytes(32)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
  const lines = offer.toString('utf8').split(/\r?\n/).filter((l) => l && !/^a=(candidate|end-of-candidates|ssrc|ssrc-group|msid)/.test(l));
  return Buffer.from(`${lines.map((l) => {
    if (l.startsWith('a=ice-ufrag:')) return `a=ice-ufrag:${ufrag}`;
    if (l.startsWith('a=ice-pwd:')) return `a=ice-pwd:${pwd}`;
    if (l.startsWith('a=fingerprint:')) return `a=fingerprint:sha-256 ${fingerprint}`;
    if (l.startsWith('a=setup:')) return 'a=setup:active';
    if (/^a=(sendrecv|sendonly|recvonly)$/.test(l)) return 'a=inactive';
    return l;
  }).join('\r\n')}\r\n`);
}
