// One SIP Call-ID per leg, as Asterisk (a B2BUA) gives each channel its own dialog: the caller's
// leg keeps the Call-ID its phone chose, the callee's leg gets a new one, and every message crossing
// the engine is translated to the Call-ID of the leg it enters. Tags, Contacts and bodies pass
// unchanged (the media stays end to end). The engine can also speak in a call itself (calld hangup,
// DTMF): each side's dialog is remembered (who it is, where it is reached, the CSeq it has seen), and
// a request the engine adds shifts the CSeq of everything later sent to that side, so the phone's
// own CSeq numbering never goes backwards.

import { randomUUID } from 'node:crypto';
import { contactUriText } from '../sip-server';
import type { SipMessage, SipRequest } from '../sip-server';

/** One side of a call as its phone sees the dialog. */
export interface LegDialog {
  callId: string;
  /** The phone's From / To header values on this leg (From = its own identity when it is the caller). */
  localHeader: string;
  remoteHeader: string;
  /** Where the phone is reached (its Contact, with the engine's flow alias). */
  target: string | undefined;
  /** Highest CSeq of a request sent to this phone, and how far the engine shifted the numbering. */
  lastCseq: number;
  cseqShift: number;
}

export interface LegPair {
  caller: LegDialog;
  callee: LegDialog;
}

const LINGER_MS = 32_000;

/** Rewrite the Call-ID (header and parsed core) of a message. */
export function setCallId(msg: SipMessage, callId: string): void {
  msg.set('Call-ID', callId);
  msg.core.callId = callId;
}

function setCseq(msg: SipMessage, cseq: number): void {
  msg.set('CSeq', `${cseq} ${msg.core.cseqMethod}`);
  msg.core.cseq = cseq;
}

/** CSeq for a request the engine itself sends to `leg`; later forwarded requests are shifted past it. */
export function nextCseq(leg: LegDialog): number {
  leg.lastCseq += 1;
  leg.cseqShift += 1;
  return leg.lastCseq;
}

export class LegIds {
  private readonly byCallId = new Map<string, { pair: LegPair; side: 'caller' | 'callee' }>();
  private readonly timers = new Set<NodeJS.Timeout>();

  /** A new call: the callee's leg gets its own Call-ID. `invite` is the caller's INVITE as forwarded. */
  open(invite: SipRequest): LegPair {
    const known = this.byCallId.get(invite.core.callId);
    if (known) return known.pair;
    const from = invite.get('from') ?? '';
    const to = invite.get('to') ?? '';
    const contact = contactUriText(invite.get('contact') ?? '');
    const pair: LegPair = {
      caller: { callId: invite.core.callId, localHeader: from, remoteHeader: to, target: contact, lastCseq: 0, cseqShift: 0 },
      callee: { callId: randomUUID(), localHeader: to, remoteHeader: from, target: undefined, lastCseq: invite.core.cseq, cseqShift: 0 },
    };
    this.byCallId.set(pair.caller.callId, { pair, side: 'caller' });
    this.byCallId.set(pair.callee.callId, { pair, side: 'callee' });
    return pair;
  }

  pairOf(callId: string): LegPair | undefined {
    return this.byCallId.get(callId)?.pair;
  }

  /** The other leg of the leg named by `callId`. */
  peerOf(callId: string): LegDialog | undefined {
    const hit = this.byCallId.get(callId);
    if (!hit) return undefined;
    return hit.side === 'caller' ? hit.pair.callee : hit.pair.caller;
  }

  /** The leg named by `callId`. */
  legOf(callId: string): LegDialog | undefined {
    const hit = this.byCallId.get(callId);
    return hit ? hit.pair[hit.side] : undefined;
  }

  /** A request passing from one leg into the other: its Call-ID and CSeq become the receiving leg's. */
  forward(req: SipRequest): void {
    const into = this.peerOf(req.core.callId);
    if (!into) return;
    setCallId(req, into.callId);
    if (into.cseqShift) setCseq(req, req.core.cseq + into.cseqShift);
    if (req.method !== 'ACK' && req.method !== 'CANCEL') into.lastCseq = Math.max(into.lastCseq, req.core.cseq);
  }

  /** An answer going back to the leg that sent the request. */
  backward(res: SipMessage): void {
    const from = this.legOf(res.core.callId);
    const back = this.peerOf(res.core.callId);
    if (!from || !back) return;
    setCallId(res, back.callId);
    if (from.cseqShift) setCseq(res, res.core.cseq - from.cseqShift);
  }

  /** The callee answered: where its phone is reached and its To-tag, as the engine will need to speak to it. */
  answered(calleeCallId: string, toHeader: string, contact: string | undefined): void {
    const pair = this.pairOf(calleeCallId);
    if (!pair) return;
    pair.callee.localHeader = toHeader;
    pair.caller.remoteHeader = toHeader;
    pair.callee.target = contact;
  }

  /**
   * An INVITE with `Replaces` (attended transfer) names the replaced dialog as the transferor saw it;
   * the target knows its own leg of that call: name that one.
   */
  translateReplaces(req: SipRequest): void {
    const replaces = req.get('replaces');
    if (!replaces) return;
    const callId = replaces.split(';')[0].trim();
    const peer = this.peerOf(callId);
    if (peer) req.set('Replaces', `${peer.callId}${replaces.slice(replaces.indexOf(';') >= 0 ? replaces.indexOf(';') : replaces.length)}`);
  }

  /** The call is over: keep translating a while for late answers (the 200 to BYE, retransmissions). */
  release(callId: string): void {
    const pair = this.pairOf(callId);
    if (!pair) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.byCallId.delete(pair.caller.callId);
      this.byCallId.delete(pair.callee.callId);
    }, LINGER_MS);
    timer.unref();
    this.timers.add(timer);
  }

  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.byCallId.clear();
  }
}
