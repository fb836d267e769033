// What Asterisk does on Wazo that the SDK sees, added to the dev SIP proxy (devstack/sip-server):
// one SIP Call-ID per leg (leg-ids.ts), calls followed into calld's call model (and its bus events), `X-Wazo-Call-ID` with the own leg's
// call id on the INVITE to the callee and on the 18x/200 to the caller, 480 when nobody answers within
// the ring time, and the RFC 3326 "Call completed elsewhere" Reasons on the CANCEL sent to a user's
// other devices once one answered. Hold and resume are read from the re-INVITE's SDP direction.

import { contactUriText, type ProxyBehaviour, type SipRequest, type SipResponse } from '../sip-server';
import type { CallRegistry } from './calls';
import type { WazoDirectory, WazoUser } from './directory';
import { setCallId, type LegIds } from './leg-ids';

export const ANSWERED_ELSEWHERE: ReadonlyArray<readonly [string, string]> = [
  ['Reason', 'SIP;cause=200;text="Call completed elsewhere"'],
  ['Reason', 'Q.850;cause=26'],
];

/** Direction of the first media section of an SDP body (session-level attribute as fallback). */
export function sdpDirection(body: Buffer): 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive' | undefined {
  const text = body.toString('utf8');
  if (!text.includes('v=0')) return undefined;
  const m = /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.exec(text);
  return (m?.[1] as 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive' | undefined) ?? 'sendrecv';
}

export function sdpHasVideo(body: Buffer): boolean {
  return /^m=video [1-9]\d*/m.test(body.toString('utf8'));
}

export function wazoProxyBehaviour(calls: CallRegistry, directory: WazoDirectory, legs: LegIds): ProxyBehaviour {
  const isInitialInvite = (req: SipRequest): boolean => req.method === 'INVITE' && !req.core.toTag;
  // Once a call is over, its Call-ID translation lingers only for late answers.
  calls.subscribe((e) => {
    if (e.name === 'call_ended' && e.data.is_caller) legs.release(e.data.sip_call_id);
  });

  /** Replaces names the transferor's leg; the target (`callee`) knows its own leg of that call. */
  const replacesForCallee = (req: SipRequest, callee: WazoUser): void => {
    const named = (req.get('replaces') ?? '').split(';')[0].trim();
    const call = named ? calls.find(named) : undefined;
    const calleeKnows = call && [call.caller, call.callee].some((l) => l.sip_call_id === named && l.user_uuid === callee.uuid);
    if (call && !calleeKnows) legs.translateReplaces(req);
  };

  return {
    noAnswerStatus: 480,
    answeredElsewhereHeaders: ANSWERED_ELSEWHERE,

    forwarding(req, info) {
      if (info.initial && req.method === 'INVITE' && info.caller && info.callee) {
        const caller = directory.byName(info.caller);
        const callee = directory.byName(info.callee);
        if (!caller || !callee) return;
        replacesForCallee(req, callee);
        const pair = legs.open(req);
        setCallId(req, pair.callee.callId);
        const call = calls.created({ caller: pair.caller.callId, callee: pair.callee.callId }, req.core.fromTag ?? '', caller, callee, sdpHasVideo(req.body));
        req.set('X-Wazo-Call-ID', call.callee.call_id);
        return;
      }
      if (info.initial) return;
      if (req.method === 'BYE') calls.ended(req.core.callId);
      legs.forward(req);
    },

    answering(res: SipResponse, req: SipRequest) {
      const call = req.method === 'INVITE' ? calls.find(req.core.callId) : undefined;
      if (call && isInitialInvite(req)) {
        if (res.status > 100 && res.status < 300) res.set('X-Wazo-Call-ID', call.caller.call_id);
        if (res.status >= 200 && res.status < 300) {
          legs.answered(res.core.callId, res.get('to') ?? '', contactUriText(res.get('contact') ?? ''));
          calls.answered(req.core.callId);
        } else if (res.status >= 300) calls.ended(req.core.callId);
      } else if (call) {
        // re-INVITE accepted: the sender's offer says whether it holds (sendonly / inactive) or resumes.
        const direction = sdpDirection(req.body);
        if (res.status >= 200 && res.status < 300 && direction) {
          calls.holdChanged(req.core.callId, req.core.fromTag, direction === 'sendonly' || direction === 'inactive');
        }
      }
      legs.backward(res);
    },
  };
}
