// The engine speaking in a call itself, as Asterisk does when calld asks (hangup, DTMF): a request
// sent on one leg's dialog, built from what the engine remembered of it (leg-ids.ts), through the
// dev SIP server's agent. Works for proxied calls (the engine shifts the phones' CSeq past its own
// requests) and for calls whose dialogs the engine owns (originated, transferred: relay.ts).

import { sipMessageBuilder, type ClientTxnHandler, type SipAgent } from '../sip-server';
import type { CallLeg, CallRegistry, WazoCall } from './calls';
import type { WazoDirectory, WazoUser } from './directory';
import { nextCseq, type LegDialog, type LegIds } from './leg-ids';
import type { Originator } from './originate';
import type { DialogRelay } from './relay';

export const ENGINE_AGENT = 'kazoo-wazo-dev';
export const { createRequest, createResponse } = sipMessageBuilder(ENGINE_AGENT);

/** The SIP user the engine's own Contact names (Asterisk's would be its endpoint). */
export const ENGINE_CONTACT_USER = 'asterisk';

export interface InLegRequest {
  method: string;
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: string | Buffer;
}

/** Send `spec` to the phone of `leg` in its dialog; false when the phone cannot be reached. */
export function sendInLeg(agent: SipAgent, leg: LegDialog, spec: InLegRequest, handler?: ClientTxnHandler): boolean {
  if (!leg.target) return false;
  const cseq = nextCseq(leg);
  const txn = agent.send(leg.target, (uri, via, branch) => createRequest({
    method: spec.method, uri, via, branch, from: leg.remoteHeader, to: leg.localHeader, callId: leg.callId, cseq,
    headers: [['Contact', agent.contact(ENGINE_CONTACT_USER)], ...(spec.headers ?? [])],
    body: spec.body,
  }), handler);
  return txn !== undefined;
}

export const SDP_TYPE: ReadonlyArray<readonly [string, string]> = [['Content-Type', 'application/sdp']];

/** ACK the phone's 2xx to the engine's INVITE numbered `cseq` (with the answer when its 2xx carried the offer). */
export function ackInLeg(agent: SipAgent, leg: LegDialog, cseq: number, body: Buffer = Buffer.alloc(0)): void {
  if (!leg.target) return;
  agent.sendAck(leg.target, (uri, via, branch) => createRequest({
    method: 'ACK', uri, via, branch, from: leg.remoteHeader, to: leg.localHeader, callId: leg.callId, cseq,
    headers: [['Contact', agent.contact(ENGINE_CONTACT_USER)], ...(body.length ? SDP_TYPE : [])], body,
  }));
}

/** SIP INFO bodies for DTMF digits (application/dtmf-relay, as Asterisk sends with dtmf_mode=info). */
export function dtmfRelay(digit: string): InLegRequest {
  return { method: 'INFO', headers: [['Content-Type', 'application/dtmf-relay']], body: `Signal=${digit}\r\nDuration=160\r\n` };
}

/** Send `digits` one INFO at a time (each after the previous one's answer, as a phone would). */
export function sendDigits(agent: SipAgent, leg: LegDialog, digits: string): void {
  const next = (i: number): void => {
    if (i >= digits.length) return;
    const go = (): void => next(i + 1);
    if (!sendInLeg(agent, leg, dtmfRelay(digits[i]), { onResponse: (res) => { if (res.status >= 200) go(); }, onTimeout: () => undefined, onFlowFailure: () => undefined })) return;
  };
  next(0);
}

/** What calld asks of the engine beyond state (see rest-calld.ts). */
export interface CalldActions {
  /** POST users/me/calls: the user's leg, or why not. */
  originate(user: WazoUser, extension: string, autoAnswer: boolean): CallLeg | 'invalid-extension' | 'no-device';
  /** DELETE users/me/calls/{id}: false when the engine cannot (a proxied call still ringing). */
  hangup(call: WazoCall): boolean;
  /** PUT …/dtmf: the digits reach the other party as if the user pressed them; false before the call is up. */
  dtmf(call: WazoCall, leg: CallLeg, digits: string): boolean;
}

export function calldActions(agent: SipAgent, calls: CallRegistry, legs: LegIds, originator: Originator, relay: DialogRelay, directory: WazoDirectory): CalldActions {
  /** The dialog of a leg: one the engine is the peer of (originated, transferred), or a proxied one. */
  const dialogOf = (sipCallId: string): LegDialog | undefined => relay.dialogOf(sipCallId) ?? legs.legOf(sipCallId);
  return {
    originate(user, extension, autoAnswer) {
      const destination = directory.byName(extension);
      if (!destination || destination.uuid === user.uuid) return 'invalid-extension';
      return originator.start({ user, destination, autoAnswer }) ?? 'no-device';
    },
    hangup(call) {
      if (originator.owns(call.sipCallId)) {
        originator.hangup(call.sipCallId);
        return true;
      }
      if (relay.get(call.sipCallId)) {
        calls.ended(call.sipCallId); // the relay says BYE to each phone
        return true;
      }
      if (!call.answered) return false;
      for (const leg of [call.caller, call.callee]) {
        const dialog = dialogOf(leg.sip_call_id);
        if (dialog) sendInLeg(agent, dialog, { method: 'BYE' });
      }
      calls.ended(call.sipCallId);
      return true;
    },
    dtmf(call, leg, digits) {
      const peer = leg === call.caller ? call.callee : call.caller;
      const dialog = dialogOf(peer.sip_call_id);
      if (!call.answered || !dialog?.target) return false;
      sendDigits(agent, dialog, digits);
      return true;
    },
  };
}
