// Dialogs the engine is the SIP peer of (an originated call once up, the legs of a transferred call):
// as Asterisk bridges two channels, what one phone sends in its dialog (re-INVITE for hold or video,
// INFO, MESSAGE) is re-sent by the engine in the dialog of the phone it is paired with, and that phone's
// answer comes back. BYE ends the leg's call (the partner gets a BYE). While the engine itself
// renegotiates a leg (a transfer moving it) its requests get 491 (try again); a leg waiting alone gets
// a parked answer to its offers (an ICE restart of its own: parked-sdp.ts) and 491 for the rest.

import type { SipAgent, SipRequest, ServerTxn } from '../sip-server';
import { ackInLeg, createResponse, ENGINE_CONTACT_USER, SDP_TYPE, sendInLeg } from './call-control';
import type { CallLeg, CallRegistry } from './calls';
import type { LegDialog } from './leg-ids';
import { parkedAnswer } from './parked-sdp';
import { sdpDirection } from './sip-behaviour';

export interface OwnedLeg {
  dialog: LegDialog;
  leg: CallLeg;
  partner: OwnedLeg | undefined;
  /** the engine is renegotiating this leg's media (its own re-INVITE is under way) */
  busy: boolean;
  /** a BYE went to (or came from) the phone */
  byed: boolean;
  /** who decides what a BYE from this phone means (a transfer in progress); default: the call ends */
  onBye?: (leg: OwnedLeg) => void;
}

/**
 * Send `req` (received from a phone) to the phone of `to` in its dialog; its final answer goes back to
 * the sender, a 2xx to an INVITE acknowledged by the engine. `accepted` hears the 2xx of a re-INVITE.
 */
export function relayRequest(agent: SipAgent, req: SipRequest, txn: ServerTxn, to: LegDialog, accepted?: () => void): void {
  const contentType = req.get('content-type');
  const sent = sendInLeg(agent, to, { method: req.method, headers: contentType ? [['Content-Type', contentType]] : [], body: req.body }, {
    onResponse: (res) => {
      if (res.status < 200) return;
      const isInvite = req.method === 'INVITE';
      if (isInvite && res.status < 300) {
        ackInLeg(agent, to, res.core.cseq);
        accepted?.();
      }
      const type = res.get('content-type');
      txn.respond(createResponse(req, res.status, {
        reason: res.reason, body: res.body,
        headers: [...(isInvite ? [['Contact', agent.contact(ENGINE_CONTACT_USER)] as const] : []), ...(type ? [['Content-Type', type] as const] : [])],
      }));
    },
    onTimeout: () => txn.respond(createResponse(req, 408)),
    onFlowFailure: () => txn.respond(createResponse(req, 480)),
  });
  if (!sent) txn.respond(createResponse(req, 480));
}

export class DialogRelay {
  private readonly owned = new Map<string, OwnedLeg>();

  constructor(private readonly agent: SipAgent, private readonly calls: CallRegistry) {
    // However a leg's call ended (a BYE, calld hangup, a phone gone), every owned leg of it not yet
    // told gets its BYE.
    calls.subscribe((e) => {
      if (e.name !== 'call_ended') return;
      const owned = this.owned.get(e.data.sip_call_id);
      if (!owned) return;
      this.owned.delete(e.data.sip_call_id);
      if (owned.partner?.partner === owned) owned.partner.partner = undefined;
      this.bye(owned);
    });
  }

  /** The engine becomes the peer of this dialog (its phone's requests now come here). */
  own(dialog: LegDialog, leg: CallLeg): OwnedLeg {
    const known = this.owned.get(leg.sip_call_id);
    if (known) return known;
    const owned: OwnedLeg = { dialog, leg, partner: undefined, busy: false, byed: false };
    this.owned.set(leg.sip_call_id, owned);
    return owned;
  }

  /** What each phone sends now reaches the other one (undefined partner: the leg waits alone). */
  pair(a: OwnedLeg, b: OwnedLeg | undefined): void {
    if (a.partner && a.partner !== b) a.partner.partner = undefined;
    a.partner = b;
    if (b) {
      if (b.partner && b.partner !== a) b.partner.partner = undefined;
      b.partner = a;
    }
  }

  get(sipCallId: string): OwnedLeg | undefined {
    return this.owned.get(sipCallId);
  }

  dialogOf(sipCallId: string): LegDialog | undefined {
    return this.owned.get(sipCallId)?.dialog;
  }

  /** BYE to the phone of `leg` (once). */
  bye(leg: OwnedLeg): void {
    if (leg.byed) return;
    leg.byed = true;
    sendInLeg(this.agent, leg.dialog, { method: 'BYE' });
  }

  /** An in-dialog request (undefined `txn`: an ACK) in a dialog the engine owns; false when it owns none. */
  ownRequest(req: SipRequest, txn: ServerTxn | undefined): boolean {
    const from = this.owned.get(req.core.callId);
    if (!from) return false;
    if (!txn) return true; // ACK for the engine's own 2xx (the partner's 2xx was acknowledged by the engine)
    if (req.method === 'BYE') {
      txn.respond(createResponse(req, 200));
      from.byed = true;
      if (from.onBye) from.onBye(from);
      else this.calls.ended(from.leg.sip_call_id);
      return true;
    }
    const to = from.partner;
    if (!to && !from.busy && req.method === 'INVITE' && req.body.length) {
      txn.respond(createResponse(req, 200, { body: parkedAnswer(req.body), headers: [['Contact', this.agent.contact(ENGINE_CONTACT_USER)], ...SDP_TYPE] }));
      return true;
    }
    if (!to || from.busy || to.busy) {
      // the other party is not there (yet): the offer/answer stays open (RFC 3261 14.2), try later
      txn.respond(createResponse(req, 491, { headers: [['Retry-After', '1']] }));
      return true;
    }
    if (req.method === 'REFER') {
      txn.respond(createResponse(req, 501, { reason: 'Not Implemented (SIP transfer of a call the engine bridges: use calld transfers)' }));
      return true;
    }
    const direction = req.method === 'INVITE' ? sdpDirection(req.body) : undefined;
    relayRequest(this.agent, req, txn, to.dialog, () => {
      if (direction) this.calls.setHold(from.leg, direction === 'sendonly' || direction === 'inactive');
    });
    return true;
  }

  clear(): void {
    this.owned.clear();
  }
}
