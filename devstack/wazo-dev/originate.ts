// calld's originate (POST /users/me/calls) the way Asterisk does it: ring the user's own line first
// (every registered device; the first to answer wins, the others get the "completed elsewhere"
// CANCEL), then the destination. The engine has no media of its own, so it is a third-party call
// controller (RFC 3725 flow I): the INVITE to the user carries no SDP, the user's 200 carries the
// offer, which goes to the destination in its INVITE, and the destination's answer goes back in the
// ACK. Media then flows end to end. The engine is the peer of both dialogs: once up they go to the
// relay (relay.ts), which passes what one phone sends in its dialog (re-INVITE, BYE, INFO, MESSAGE) to
// the other.

import type { SipAgent, SipRequest, SipResponse, ServerTxn } from '../sip-server';
import { ackInLeg, createResponse, sendInLeg } from './call-control';
import type { CallLeg, CallRegistry, WazoCall } from './calls';
import type { WazoDirectory, WazoUser } from './directory';
import type { LegDialog } from './leg-ids';
import type { DialogRelay } from './relay';
import { engineDialog, ringDevices, type Ringing } from './ring';

type Stage = 'ringing-user' | 'ringing-destination' | 'up' | 'over';

interface Side {
  dialog: LegDialog;
  leg: CallLeg;
  ringing: Ringing | undefined;
}

interface Originated {
  call: WazoCall;
  stage: Stage;
  user: Side;
  destination: Side;
}

export interface OriginateRequest {
  user: WazoUser;
  destination: WazoUser;
  autoAnswer: boolean;
}

export class Originator {
  /** Originated calls until they are up (then the relay owns their dialogs). */
  private readonly byCallId = new Map<string, Originated>();

  constructor(
    private readonly agent: SipAgent,
    private readonly calls: CallRegistry,
    private readonly directory: WazoDirectory,
    private readonly domain: string,
    private readonly relay: DialogRelay,
  ) {
    // However the call ended (REST hangup, a phone gone), the other phone is told.
    calls.subscribe((e) => {
      if (e.name !== 'call_ended') return;
      const o = this.byCallId.get(e.data.sip_call_id);
      if (o) this.finish(o);
    });
  }

  /** Ring `user`'s devices; undefined when it has none. */
  start(req: OriginateRequest): CallLeg | undefined {
    const devices = this.agent.devices(req.user.username);
    if (devices.length === 0) return undefined;
    const userDialog = engineDialog(this.directory, this.domain, req.user, req.destination);
    const destinationDialog = engineDialog(this.directory, this.domain, req.destination, req.user);
    const call = this.calls.created({ caller: userDialog.callId, callee: destinationDialog.callId }, '', req.user, req.destination, false);
    const o: Originated = {
      call, stage: 'ringing-user',
      user: { dialog: userDialog, leg: call.caller, ringing: undefined },
      destination: { dialog: destinationDialog, leg: call.callee, ringing: undefined },
    };
    this.byCallId.set(userDialog.callId, o);
    this.byCallId.set(destinationDialog.callId, o);
    // Asterisk's auto-answer hints, only when the caller asked for them (auto_answer_caller).
    const hints: Array<[string, string]> = req.autoAnswer ? [['Alert-Info', '<http://wazo.community>;info=alert-autoanswer;delay=0'], ['Answer-Mode', 'Auto']] : [];
    this.ring(o, o.user, devices, Buffer.alloc(0), [['X-Wazo-Call-ID', call.caller.call_id], ...hints], (res) => this.userAnswered(o, res));
    return call.caller;
  }

  /** Is this call one the engine originated and still rings? */
  owns(sipCallId: string): boolean {
    return this.byCallId.has(sipCallId);
  }

  /** calld hangup: whatever the stage, both phones are let go. */
  hangup(sipCallId: string): void {
    const o = this.byCallId.get(sipCallId);
    if (o) this.calls.ended(o.call.sipCallId);
  }

  private ring(o: Originated, side: Side, devices: string[], body: Buffer, headers: ReadonlyArray<readonly [string, string]>, onAnswer: (res: SipResponse) => void): void {
    side.ringing = ringDevices(this.agent, side.dialog, devices, body, headers, {
      answered: onAnswer,
      failed: () => this.calls.ended(o.call.sipCallId),
    });
    if (!side.ringing) this.calls.ended(o.call.sipCallId);
  }

  private userAnswered(o: Originated, res: SipResponse): void {
    if (o.stage !== 'ringing-user') return;
    o.stage = 'ringing-destination';
    const devices = this.agent.devices(o.destination.leg.caller_id_number);
    this.ring(o, o.destination, devices, res.body, [['X-Wazo-Call-ID', o.call.callee.call_id]], (answer) => this.destinationAnswered(o, answer));
  }

  private destinationAnswered(o: Originated, res: SipResponse): void {
    if (o.stage !== 'ringing-destination') return;
    o.stage = 'up';
    ackInLeg(this.agent, o.destination.dialog, o.destination.ringing?.cseq ?? 0);
    ackInLeg(this.agent, o.user.dialog, o.user.ringing?.cseq ?? 0, res.body);
    this.byCallId.delete(o.user.dialog.callId);
    this.byCallId.delete(o.destination.dialog.callId);
    this.relay.pair(this.relay.own(o.user.dialog, o.user.leg), this.relay.own(o.destination.dialog, o.destination.leg));
    this.calls.answered(o.call.sipCallId);
  }

  /** Let both phones go before the call was up: CANCEL what rings, ACK an unacknowledged 200 and BYE it. */
  private finish(o: Originated): void {
    if (o.stage === 'over' || o.stage === 'up') return;
    const stage = o.stage;
    o.stage = 'over';
    o.user.ringing?.cancel();
    o.destination.ringing?.cancel();
    if (stage === 'ringing-destination') {
      ackInLeg(this.agent, o.user.dialog, o.user.ringing?.cseq ?? 0);
      sendInLeg(this.agent, o.user.dialog, { method: 'BYE' });
    }
    const timer = setTimeout(() => {
      this.byCallId.delete(o.user.dialog.callId);
      this.byCallId.delete(o.destination.dialog.callId);
    }, 32_000);
    timer.unref();
  }

  /**
   * A request the user's phone sent in its dialog before the destination answered: BYE ends the call,
   * ACK was the engine's to send, anything else waits for the destination (491).
   */
  ownRequest(req: SipRequest, txn: ServerTxn | undefined): boolean {
    const o = this.byCallId.get(req.core.callId);
    if (!o) return false;
    if (!txn) return true;
    if (req.method === 'BYE') {
      txn.respond(createResponse(req, 200));
      this.calls.ended(o.call.sipCallId);
      return true;
    }
    // The other phone is not there yet: the offer/answer is still open (RFC 3261 14.2), try later.
    txn.respond(createResponse(req, o.stage === 'over' ? 481 : 491, { headers: o.stage === 'over' ? [] : [['Retry-After', '1']] }));
    return true;
  }

  clear(): void {
    this.byCallId.clear();
  }
}
